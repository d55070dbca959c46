"""Payroll register against the ledger's payroll postings, per month, worked out by hand.

core.fct_payslip is built here as a fixture of the payroll engineer's shape (one row per employee per run).
  E1 (D1): gross 10,000,000; employee BPJS 400,000; employer contributions 500,000; PPh 21 500,000; net 9,100,000
  E2 (D2): gross  6,000,000; employee BPJS 240,000; employer contributions 300,000; PPh 21 200,000; net 5,560,000
Register per month (January and February alike):
  gross 16,000,000; employer_contribution 800,000; pph21 700,000; bpjs_payable 640,000 + 800,000 = 1,440,000;
  net_pay 14,660,000
Ledger, posted as config/payroll_ledger_map.csv expects (source payroll):
  January, accrual  Dr 6110 D1 10,000,000  Dr 6110 D2 6,000,000  Dr 6120 D1 500,000  Dr 6120 D2 300,000
                    Cr 2210 9,100,000  Cr 2210 5,560,000  Cr 2220 700,000  Cr 2230 1,440,000      (16,800,000 each side)
           payment  Dr 2210 14,660,000 / Cr 1110 14,660,000  (debits the net pay back: only credits count)
  February: the same, but D2's gross was keyed as 6,100,000 (and its net pay 5,660,000, so the journal balances)
  A manual THR accrual on 6110 in February (source manual) is not a payroll posting and is ignored.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from fixtures.warehouse import create_chart_of_accounts, create_staging, run_models

from assets.finance.config import write_finance_config
from pipelines.settings import Settings

D = dt.date.fromisoformat
SETTINGS = Settings(reporting_months=2)
PAYSLIP_COLUMNS = (
    "run_id varchar, period date, pay_date date, employee_id varchar, department_id varchar, basic_idr bigint, "
    "fixed_allowance_idr bigint, variable_allowance_idr bigint, overtime_idr bigint, thr_idr bigint, "
    "bonus_idr bigint, gross_idr bigint, bpjs_kesehatan_ee_idr bigint, bpjs_kesehatan_er_idr bigint, "
    "jht_ee_idr bigint, jht_er_idr bigint, jp_ee_idr bigint, jp_er_idr bigint, jkk_er_idr bigint, "
    "jkm_er_idr bigint, employee_bpjs_idr bigint, employer_contribution_idr bigint, pph21_idr bigint, "
    "net_pay_idr bigint, employer_cost_idr bigint"
)
CHART = [("1110", "Cash", "asset", "cash"), ("2210", "Salaries payable", "liability", "payroll_liabilities"),
         ("2220", "PPh 21 payable", "liability", "payroll_liabilities"),
         ("2230", "BPJS payable", "liability", "payroll_liabilities"), ("2300", "Accrued", "liability", "accruals"),
         ("6110", "Salaries", "expense", "personnel"), ("6120", "Employer BPJS", "expense", "personnel")]  # fmt: skip


def payslip(period, employee, dept, basic, ee_bpjs, er_bpjs, pph21):
    """Basic pay only; BPJS split evenly between Kesehatan and JHT; net = gross - employee BPJS - PPh 21."""
    day = D(period + "-25")
    return (f"PR-{period}", D(period + "-01"), day, employee, dept, basic, 0, 0, 0, 0, 0, basic,
            ee_bpjs // 2, er_bpjs // 2, ee_bpjs // 2, er_bpjs // 2, 0, 0, 0, 0, ee_bpjs, er_bpjs, pph21,
            basic - ee_bpjs - pph21, basic + er_bpjs)  # fmt: skip


PAYSLIPS = [
    payslip(p, e, d, basic, ee, er, tax)
    for p in ("2025-01", "2025-02")
    for e, d, basic, ee, er, tax in (("E1", "D1", 10_000_000, 400_000, 500_000, 500_000),
                                     ("E2", "D2", 6_000_000, 240_000, 300_000, 200_000))
]  # fmt: skip


def journal(journal_id, day, lines, source="payroll", reference=None):
    return [
        {"journal_id": journal_id, "line_no": n, "posting_date": D(day), "account_code": account,
         "department_id": dept, "debit_idr": max(amount, 0), "credit_idr": max(-amount, 0), "source": source,
         "reference": reference}
        for n, (account, amount, dept) in enumerate(lines, start=1)
    ]  # fmt: skip


def payroll_journals(period, d2_gross):
    d2_net = d2_gross - 240_000 - 200_000
    day = period + "-25"
    run = f"PR-{period}"
    return [
        *journal(f"ACC-{period}", day, [
            ("6110", 10_000_000, "D1"), ("6110", d2_gross, "D2"), ("6120", 500_000, "D1"), ("6120", 300_000, "D2"),
            ("2210", -9_100_000, None), ("2210", -d2_net, None), ("2220", -700_000, None), ("2230", -1_440_000, None),
        ], reference=run),
        *journal(f"PAY-{period}", day, [("2210", 9_100_000 + d2_net, None), ("1110", -9_100_000 - d2_net, None)],
                 reference=run),
    ]  # fmt: skip


LEDGER = [
    *payroll_journals("2025-01", 6_000_000),
    *payroll_journals("2025-02", 6_100_000),  # planted: D2's gross keyed as 6,100,000
    *journal("THR-ACR", "2025-02-28", [("6110", 3_000_000, "D1"), ("2300", -3_000_000, None)], source="manual"),
]


@pytest.fixture(scope="module")
def rec():
    con = duckdb.connect()
    write_finance_config(con)
    create_chart_of_accounts(con, CHART)
    create_staging(con, "hris__departments", [{"department_id": "D1", "department_name": "D1", "cost_center": "CC-1"}])
    create_staging(con, "erp__gl_entries", LEDGER)
    con.execute(f"create table core.fct_payslip ({PAYSLIP_COLUMNS})")
    con.executemany(f"insert into core.fct_payslip values ({', '.join('?' * 25)})", PAYSLIPS)
    run_models(con, SETTINGS, "assets/finance/sql/dim_account.sql", "assets/finance/sql/fct_gl_line.sql",
               "assets/finance/sql/payroll_ledger_reconciliation.sql")  # fmt: skip
    rows = con.execute(
        "select strftime(period, '%Y-%m'), measure, payroll_register_idr, ledger_idr, difference_idr, is_passed, "
        "is_month_passed, problem from marts.payroll_ledger_reconciliation"
    ).fetchall()
    con.close()
    return {(p, m): r for p, m, *r in rows}


def test_a_month_that_agrees_passes_on_every_measure(rec):
    assert rec[("2025-01", "gross")] == [16_000_000, 16_000_000, 0, True, True, None]
    assert rec[("2025-01", "employer_contribution")] == [800_000, 800_000, 0, True, True, None]
    assert rec[("2025-01", "pph21")] == [700_000, 700_000, 0, True, True, None]
    assert rec[("2025-01", "bpjs_payable")] == [1_440_000, 1_440_000, 0, True, True, None]
    # net pay: the accrual's credits to 2210; the transfer journal's debit is not counted
    assert rec[("2025-01", "net_pay")] == [14_660_000, 14_660_000, 0, True, True, None]


def test_a_mis_keyed_posting_fails_the_month_with_its_difference(rec):
    # February ledger gross 10,000,000 + 6,100,000 = 16,100,000 (the manual THR accrual is not a payroll posting)
    assert rec[("2025-02", "gross")] == [
        16_000_000, 16_100_000, 100_000, False, False, "ledger and payroll register differ by 100000 IDR"
    ]  # fmt: skip
    assert rec[("2025-02", "net_pay")][:4] == [14_660_000, 14_760_000, 100_000, False]
    # the other measures agree, but the month fails as a whole
    assert rec[("2025-02", "pph21")][2:5] == [0, True, False]
    assert len(rec) == 10  # 2 months x 5 measures
