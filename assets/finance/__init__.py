"""Finance back office: ledger, budgets, supplier invoices, bank reconciliation and payroll-to-ledger reconciliation.

Decisions (the SQL headers in ``sql/`` give the formulas):
- Which accounts are payables, payroll expense or non-operating expense, which ledger account is which bank
  account, the payroll-to-ledger account map, the approval limits, period locks, sign conventions per account
  class and the match windows are data in ``config/`` (loaded as ``core.map_*`` and ``core.finance_parameters``).
- Every staged journal line is kept in ``core.fct_gl_line``; unbalanced journals, unknown accounts and postings
  into a closed period are blocking checks (``checks/finance.py``), so nothing downstream is built from them.
- Bank reconciliation runs three passes (reference; amount within a date window; one bank line = several
  ledger lines of one reference, e.g. a payroll batch) and records the pass. Statement files carry movements,
  not balances: the bank balance is opened with the ledger's brought-forward cash balance.
- Closing and brought-forward journals move balances, not spending: they are left out of opex and budget actuals.
- Payroll-to-ledger compares the payroll register (``core.fct_payslip``, by payroll period) with the ledger's
  payroll postings (by ledger period), measure by measure.
"""
