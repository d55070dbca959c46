"""Finance internal controls on a tiny ledger, invoice register, bank statement and vendor master, through the real
finance core models: each rule gets one planted case and a legitimate look-alike, worked out by hand.

The data is January 2025 (the reporting window ends with the last attendance day, 2025-01-31). The first approval
limit is Rp50,000,000 (assets/finance/config/approval_limits.csv). 2025-01-11 is a Saturday, 2025-01-28 a
collective-leave day and 2025-01-29 a public holiday (Chinese New Year) in reference.holidays.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fixtures.warehouse import create_staging, load_reference, run_models

from assets.controls.runner import build_controls
from assets.finance.config import write_finance_config
from pipelines.settings import Settings

D = dt.date.fromisoformat
SETTINGS = Settings(reporting_months=1)
MODELS = (
    "assets/hr/sql/reporting_window.sql",
    "assets/hr/sql/dim_date.sql",
    "assets/hr/sql/dim_period.sql",
    "assets/finance/sql/dim_account.sql",
    "assets/finance/sql/fct_ap_invoice.sql",
    "assets/finance/sql/fct_gl_line.sql",
    "assets/finance/sql/fct_bank_transaction.sql",
    "assets/finance/sql/fct_bank_match.sql",
    "assets/finance/sql/finance_bank_unmatched_items.sql",
)
CHART = [("1110", "Cash at bank", "asset", "cash"), ("2100", "Accounts payable", "liability", "payables"),
         ("2300", "Accrued expenses", "liability", "accruals"), ("3100", "Share capital", "equity", "equity"),
         ("6110", "Salaries", "expense", "personnel"),
         ("6430", "Consulting fees", "expense", "professional_fees")]  # fmt: skip


def invoice(iid, vendor, number, amount, day, *, received=None, paid=None, created="U005", approved="U004"):
    day = D(day)
    return {"invoice_id": iid, "vendor_id": vendor, "invoice_no": number, "amount_idr": amount, "invoice_date": day,
            "received_date": D(received) if received else day + dt.timedelta(days=1),
            "approved_date": day + dt.timedelta(days=2),
            "paid_date": D(paid) if paid else day + dt.timedelta(days=10), "due_date": day + dt.timedelta(days=30),
            "department_id": "D1", "account_code": "6430", "created_by": created, "approved_by": approved}  # fmt: skip


INVOICES = [
    invoice("I01", "V1", "A-1", 5_000_000, "2025-01-03", received="2025-01-06"),
    invoice("I02", "V1", " a-1", 5_000_000, "2025-01-03", received="2025-01-20", paid="2025-01-27"),  # planted: copy
    invoice("I03", "V2", "A-1", 5_000_000, "2025-01-03"),  # look-alike: same number and amount, another vendor
    invoice("I04", "V3", "N-1", 10_000_000, "2025-01-02"),
    # planted: 28 days after I04, 400,000 apart <= 5% of 10,000,000 = 500,000
    invoice("I05", "V3", "N-2", 10_400_000, "2025-01-30"),
    invoice("I06", "V4", "M-1", 10_000_000, "2024-12-02"),
    invoice("I07", "V4", "M-2", 10_000_000, "2025-01-07"),  # look-alike: same amount, 36 days later (> 30)
    invoice("I08", "V5", "S-1", 1_000_000, "2025-01-06", created="U005", approved="U005"),  # planted: self-approved
    invoice("I09", "V5", "S-2", 2_000_000, "2025-01-06", created="U005", approved="U004"),  # look-alike
    # planted split: V6, one clerk, 3 days apart, both >= 90% of the limit (45,000,000) and below it, together
    # 92,500,000 > 50,000,000
    invoice("I10", "V6", "P-1", 45_100_000, "2025-01-13", created="U006"),
    invoice("I11", "V6", "P-2", 47_400_000, "2025-01-16", created="U006"),
    # look-alike: the same vendor pattern 11 days apart (window 7 days); 3,000,000 apart, not a near duplicate
    invoice("I12", "V7", "Q-1", 45_500_000, "2025-01-06", created="U006"),
    invoice("I13", "V7", "Q-2", 48_500_000, "2025-01-17", created="U006"),
    invoice("I14", "V8", "R-1", 3_000_000, "2025-01-15", received="2025-01-20", paid="2025-01-17"),  # planted
    invoice("I15", "V8", "R-2", 7_000_000, "2025-01-15", received="2025-01-20", paid="2025-01-20"),  # look-alike
]


def journal(journal_id, day, lines, source, *, created="U009", approved="U003", reference=None):
    return [{"journal_id": journal_id, "line_no": n, "posting_date": D(day), "account_code": account,
             "department_id": "D1" if account.startswith("6") else None, "debit_idr": max(amount, 0),
             "credit_idr": max(-amount, 0), "source": source, "reference": reference, "created_by": created,
             "approved_by": approved, "description": f"{journal_id} {source}"}
            for n, (account, amount) in enumerate(lines, start=1)]  # fmt: skip


def accrual(journal_id, day, amount, **kw):
    return journal(journal_id, day, [("6430", amount), ("2300", -amount)], "manual", **kw)


LEDGER = [
    *journal("J00", "2025-01-02", [("1110", 500_000_000), ("3100", -500_000_000)], "closing", reference="OPENING"),
    *accrual("J01", "2025-01-14", 7_768_041, created="U009", approved="U009"),  # planted: self-approved journal
    *accrual("J02", "2025-01-14", 4_998_590, created="U009", approved="U003"),  # look-alike
    # planted: a supplier payment (credits the bank account) created and approved by the same user
    *journal("J03", "2025-01-15", [("2100", 3_000_000), ("1110", -3_000_000)], "ap", created="U012", approved="U012",
             reference="PAY-1"),
    *accrual("J04", "2025-01-20", 20_000_000),  # planted: a round Rp20,000,000 manual journal
    *accrual("J05", "2025-01-20", 20_000_123),  # look-alike: not a whole million
    # look-alike: a round payroll journal (round_amount_sources is manual only)
    *journal("J06", "2025-01-24", [("6110", 30_000_000), ("2300", -30_000_000)], "payroll", created="U011"),
    *accrual("J07", "2025-01-11", 1_234_567),  # planted: posted on a Saturday
    *accrual("J08", "2025-01-13", 1_234_568),  # look-alike: the Monday after
    *accrual("J09", "2025-01-29", 2_345_678),  # planted: posted on a public holiday
    *accrual("J10", "2025-01-28", 3_456_789),  # planted: posted on a collective-leave day (included by default)
    *journal("J11", "2025-01-31", [("2100", 1_000_000), ("1110", -1_000_000)], "ap", created="U012", approved="U002",
             reference="PAY-2"),
]  # fmt: skip

STATEMENT = [
    {"bank_txn_id": "B1", "txn_date": D("2025-01-15"), "amount_idr": -3_000_000, "reference": "PAY-1"},
    {"bank_txn_id": "B2", "txn_date": D("2025-01-08"), "amount_idr": -3_500_000, "description": "TRF ONLINE",
     "counterparty": "Rina"},  # planted: no ledger entry, 23 days old on 2025-01-31
    {"bank_txn_id": "B3", "txn_date": D("2025-01-29"), "amount_idr": -45_000, "description": "BIAYA ADM"},  # 2 days
    {"bank_txn_id": "B4", "txn_date": D("2025-01-31"), "amount_idr": -1_000_000, "reference": "PAY-2"},
]  # fmt: skip

EMPLOYEES = [{"employee_id": "E1", "hire_date": D("2020-01-01"), "department_id": "D1", "bank_account": "012-137-3566"}]
VENDORS = [
    {"vendor_id": "V1", "vendor_name": "PT Satu", "tax_id": "011111111111000", "bank_account": "8000000001"},
    {"vendor_id": "V2", "vendor_name": "PT Dua", "tax_id": "022222222222000", "bank_account": "8000000002"},
    # planted: paid into employee E1's account (written without separators)
    {"vendor_id": "V9", "vendor_name": "PT Sembilan", "tax_id": "099999999999000", "bank_account": "0121373566"},
    # look-alike: one digit different
    {"vendor_id": "V10", "vendor_name": "PT Sepuluh", "tax_id": "010101010101000", "bank_account": "0121373567"},
    # planted: two vendors with one tax id (formatted differently)
    {"vendor_id": "V11", "vendor_name": "PT Sebelas", "tax_id": "01.234.567.8-901.000", "bank_account": "8000000011"},
    {"vendor_id": "V12", "vendor_name": "CV Sebelas", "tax_id": "012345678901000", "bank_account": "8000000012"},
]  # fmt: skip
FAMILIES = ["int_findings__ap_invoices", "int_findings__journals", "int_findings__bank", "int_findings__vendors"]


@pytest.fixture(scope="module")
def findings():
    import duckdb

    con = duckdb.connect()
    load_reference(con)
    write_finance_config(con)
    create_staging(con, "hris__job_history", [{"event_id": "1", "employee_id": "E1", "event_date": D("2020-01-01"),
                                               "event_type": "hire", "department_id": "D1"}])  # fmt: skip
    create_staging(con, "hris__attendance", [{"employee_id": "E1", "attendance_date": D("2025-01-31")}])
    create_staging(con, "hris__departments", [{"department_id": "D1", "department_name": "D1"}])
    create_staging(con, "hris__employees", EMPLOYEES)
    create_staging(con, "erp__chart_of_accounts", [
        dict(zip(("account_code", "account_name", "account_type", "category"), a, strict=True)) for a in CHART
    ])  # fmt: skip
    create_staging(con, "erp__ap_invoices", INVOICES)
    create_staging(con, "erp__gl_entries", LEDGER)
    create_staging(con, "erp__bank_transactions", [{"bank_account_id": "BCA-OPS", **b} for b in STATEMENT])
    create_staging(con, "erp__vendors", VENDORS)
    run_models(con, SETTINGS, *MODELS)
    build_controls(con, SETTINGS, names=FAMILIES)
    rows = {}
    for family in FAMILIES:
        cursor = con.execute(f"select * from core.{family}")
        names = [d[0] for d in cursor.description]
        for r in cursor.fetchall():
            row = dict(zip(names, r, strict=True))
            rows.setdefault(row["control_code"], {})[row["entity_key"]] = row
    yield rows
    con.close()


def test_exact_duplicate_lists_the_copy_not_the_original_nor_another_vendors_invoice(findings):
    assert set(findings["duplicate_payment_exact"]) == {"I02"}
    assert json.loads(findings["duplicate_payment_exact"]["I02"]["evidence"])["original_invoice_id"] == "I01"


def test_near_duplicate_within_30_days_and_5_percent(findings):
    assert set(findings["duplicate_payment_near"]) == {"I05"}
    assert json.loads(findings["duplicate_payment_near"]["I05"]["evidence"])["earlier_invoice_ids"] == ["I04"]


def test_creator_is_approver_on_invoices_journals_and_payments(findings):
    assert set(findings["sod_invoice"]) == {"I08"}
    assert set(findings["sod_journal"]) == {"J01"}
    assert set(findings["sod_payment"]) == {"J03"}
    assert findings["sod_payment"]["J03"]["entity"] == "payment"


def test_split_invoices_under_the_approval_limit(findings):
    assert set(findings["split_invoice"]) == {"I10", "I11"}
    evidence = json.loads(findings["split_invoice"]["I10"]["evidence"])
    assert evidence["group_total_idr"] == 92_500_000 and evidence["approval_limit_idr"] == 50_000_000


def test_paid_before_received(findings):
    assert set(findings["invoice_paid_before_received"]) == {"I14"}


def test_round_amount_on_manual_journals_only(findings):
    assert set(findings["round_amount"]) == {"J04"}  # not J05 (not round), J06 (payroll), J00 (brought forward)
    assert findings["round_amount"]["J04"]["amount_at_risk_idr"] == 20_000_000


def test_weekend_holiday_and_collective_leave_postings(findings):
    assert set(findings["weekend_holiday_posting"]) == {"J07", "J09", "J10"}


def test_unmatched_bank_line_older_than_the_minimum_age(findings):
    # B2 is 23 days old on the account's last date (2025-01-31); B3 is 2 days old (< 7): may not be booked yet
    assert set(findings["unmatched_bank_line"]) == {"B2"}
    assert findings["unmatched_bank_line"]["B2"]["amount_at_risk_idr"] == 3_500_000


def test_vendor_paid_into_an_employee_account_and_vendors_sharing_a_tax_id(findings):
    assert set(findings["employee_vendor_bank_match"]) == {"V9"}
    assert json.loads(findings["employee_vendor_bank_match"]["V9"]["evidence"])["employee_ids"] == ["E1"]
    assert set(findings["vendor_duplicate_tax_id"]) == {"V11", "V12"}
