"""Ledger model, journal-integrity checks and the opex, budget, payables and close KPIs on a tiny company,
worked out by hand.

January and February 2025, departments D1 and D2; accounts from a small chart (codes as in the demo chart, so
the real mapping files in assets/finance/config apply: 2100 payables, 6110/6120 payroll expense, 1110 = BCA-OPS).

  J01 2025-01-24 payroll accrual  Dr 6110 D1 10,000,000  Dr 6120 D1 500,000  Dr 6110 D2 6,000,000  Cr 2210 16,500,000
  J02 2025-01-06 invoice INV-1    Dr 6210 D1  2,000,000                       Cr 2100  2,000,000
  J03 2025-01-10 invoice INV-2    Dr 6310 D2  4,000,000                       Cr 2100  4,000,000
  J04 2025-01-20 payment INV-1    Dr 2100     2,000,000                       Cr 1110  2,000,000
  J05 2025-01-28 reclass          Dr 6210 D2    500,000                       Cr 6210 D1   500,000
  J06 2025-01-31 billing          Dr 1110    30,000,000                       Cr 4100 D1 30,000,000
  J07 2025-01-31 closing journal of January, entered 2025-02-05 (closes January)
                                  Dr 4100 D1 30,000,000                       Cr 3200 30,000,000
  J08 2025-02-24 payroll accrual  as J01
  J09 2025-02-03 invoice INV-3    Dr 6210 D1  3,000,000                       Cr 2100  3,000,000
  J10 2025-02-12 payment INV-2    Dr 2100     4,000,000                       Cr 1110  4,000,000

Planted defects (only in the `defects` fixture): J90 does not balance, J91 uses account 9999 which is not in the
chart, J92 is entered on 2025-02-10 into January, closed on 2025-02-05.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from dagster_duckdb import DuckDBResource
from fixtures.warehouse import create_chart_of_accounts, create_finance_company, create_staging, run_models

from assets.kpi.assets import build_kpi_values
from assets.kpi.registry import load_registry
from checks.finance import ACCOUNTS_EXIST, JOURNAL_CHECKS, JOURNALS_BALANCE, OPEN_PERIOD, evaluate
from pipelines.settings import Settings

D = dt.date.fromisoformat
SETTINGS = Settings(reporting_months=2, privacy_min_group_size=1)
CALENDAR = ("assets/hr/sql/reporting_window.sql", "assets/hr/sql/dim_date.sql", "assets/hr/sql/dim_period.sql")
LEDGER = (
    "assets/finance/sql/dim_account.sql",
    "assets/finance/sql/fct_gl_line.sql",
    "assets/finance/sql/fct_period_close.sql",
    "assets/finance/sql/fct_trial_balance.sql",
    "assets/finance/sql/fct_ap_invoice.sql",
    "assets/finance/sql/fct_bank_transaction.sql",
    "assets/finance/sql/fct_budget.sql",
    "assets/finance/sql/finance_budget_vs_actual.sql",
    "assets/finance/sql/finance_data_findings.sql",
    "assets/kpi/sql/kpi_finance__opex.sql",
    "assets/kpi/sql/kpi_finance__budget.sql",
    "assets/kpi/sql/kpi_finance__payables.sql",
    "assets/kpi/sql/kpi_finance__close.sql",
)
CHART = [  # code, name, type, category, normal balance
    ("1110", "Cash at bank", "asset", "cash", "debit"),
    ("2100", "Accounts payable", "liability", "payables", "credit"),
    ("2210", "Salaries payable", "liability", "payroll_liabilities", "credit"),
    ("3200", "Retained earnings", "equity", "equity", "credit"),
    ("4100", "Service revenue", "revenue", "revenue", None),  # blank: the account class gives credit
    ("6110", "Salaries and wages", "expense", "personnel", "debit"),
    ("6120", "Employer BPJS", "expense", "personnel", "debit"),
    ("6210", "Software", "expense", "it", "debit"),
    ("6310", "Office rent", "expense", "facilities", "debit"),
    ("6820", "Bank charges", "expense", "other_opex", "debit"),
]


def journal(journal_id, day, lines, source="manual", reference=None, entry=None, period=None):
    """Journal lines from (account, signed amount, department): debit > 0, credit < 0."""
    return [
        {"journal_id": journal_id, "line_no": n, "posting_date": D(day), "entry_date": D(entry or day),
         "period": period or day[:7], "account_code": account, "department_id": dept,
         "debit_idr": max(amount, 0), "credit_idr": max(-amount, 0), "source": source, "reference": reference,
         "created_by": "U009", "approved_by": "U003"}
        for n, (account, amount, dept) in enumerate(lines, start=1)
    ]  # fmt: skip


PAYROLL = [("6110", 10_000_000, "D1"), ("6120", 500_000, "D1"), ("6110", 6_000_000, "D2"), ("2210", -16_500_000, None)]
CLEAN_LEDGER = [
    *journal("J01", "2025-01-24", PAYROLL, "payroll", "PR-2025-01"),
    *journal("J02", "2025-01-06", [("6210", 2_000_000, "D1"), ("2100", -2_000_000, None)], "ap", "INV-1"),
    *journal("J03", "2025-01-10", [("6310", 4_000_000, "D2"), ("2100", -4_000_000, None)], "ap", "INV-2"),
    *journal("J04", "2025-01-20", [("2100", 2_000_000, None), ("1110", -2_000_000, None)], "ap", "INV-1"),
    *journal("J05", "2025-01-28", [("6210", 500_000, "D2"), ("6210", -500_000, "D1")], "manual", "RCL-1"),
    *journal("J06", "2025-01-31", [("1110", 30_000_000, None), ("4100", -30_000_000, "D1")], "manual", "BILL-1"),
    *journal("J07", "2025-01-31", [("4100", 30_000_000, "D1"), ("3200", -30_000_000, None)], "closing",
             "CLOSE-2025-01", entry="2025-02-05"),
    *journal("J08", "2025-02-24", PAYROLL, "payroll", "PR-2025-02"),
    *journal("J09", "2025-02-03", [("6210", 3_000_000, "D1"), ("2100", -3_000_000, None)], "ap", "INV-3"),
    *journal("J10", "2025-02-12", [("2100", 4_000_000, None), ("1110", -4_000_000, None)], "ap", "INV-2"),
]  # fmt: skip
DEFECTS = [
    # defect: debits 1,000,000, credits 900,000
    *journal("J90", "2025-02-14", [("6210", 1_000_000, "D1"), ("2100", -900_000, None)]),
    # defect: account 9999 is not in the chart
    *journal("J91", "2025-02-17", [("9999", 250_000, "D2"), ("1110", -250_000, None)]),
    # defect: entered on 2025-02-10 into January, which J07 closed on 2025-02-05
    *journal("J92", "2025-01-30", [("6820", 100_000, "D1"), ("1110", -100_000, None)], entry="2025-02-10"),
]  # fmt: skip


def invoice(invoice_id, dept, dates, amount, approver="U004"):
    invoice_date, received, approved, due, paid = (D(d) if d else None for d in dates)
    return {"invoice_id": invoice_id, "vendor_id": "V1", "invoice_no": invoice_id, "invoice_date": invoice_date,
            "received_date": received, "approved_date": approved, "due_date": due, "paid_date": paid,
            "amount_idr": amount, "department_id": dept, "account_code": "6210", "created_by": "U005",
            "approved_by": approver}  # fmt: skip


INVOICES = [  # invoice date, received, approved, due, paid
    invoice("INV-1", "D1", ("2025-01-03", "2025-01-06", "2025-01-09", "2025-02-02", "2025-01-20"), 2_000_000),
    invoice("INV-2", "D2", ("2025-01-08", "2025-01-10", "2025-01-17", "2025-02-07", "2025-02-12"), 4_000_000),
    invoice("INV-3", "D1", ("2025-01-30", "2025-02-03", "2025-02-05", "2025-03-01", None), 3_000_000),
    # bad input: paid on 02-14, before it was received (02-20) and approved (02-21); 60m needs the manager (U002)
    invoice("INV-4", "D2", ("2025-02-01", "2025-02-20", "2025-02-21", "2025-03-03", "2025-02-14"), 60_000_000),
]  # fmt: skip


def budget(period, dept, category, amount):
    return {"fiscal_year": 2025, "period": period, "department_id": dept, "account_category": category,
            "budget_idr": amount}  # fmt: skip


BUDGETS = [
    budget("2025-01", "D1", "personnel", 10_000_000),
    budget("2025-01", "D1", "it", 2_000_000),
    budget("2025-01", "D2", "personnel", 6_000_000),
    budget("2025-01", "D2", "facilities", 3_000_000),
    budget("2025-01", "D1", "revenue", 25_000_000),
    budget("2025-02", "D1", "personnel", 10_500_000),
    budget("2025-02", "D1", "it", 3_000_000),
    budget("2025-02", "D2", "personnel", 6_000_000),
]


def build(con, ledger):
    # the reporting window (January and February 2025) ends with the last attendance day
    create_finance_company(con, hired=D("2024-01-01"), last_day=D("2025-02-28"))
    create_chart_of_accounts(con, CHART)
    create_staging(con, "hris__departments", [{"department_id": "D1", "department_name": "D1", "cost_center": "CC-1"}])
    create_staging(con, "erp__gl_entries", ledger)
    create_staging(con, "erp__ap_invoices", INVOICES)
    create_staging(con, "erp__bank_transactions", [])
    create_staging(con, "erp__budgets", BUDGETS)
    run_models(con, SETTINGS, *CALENDAR, *LEDGER)


def warehouse(path, ledger) -> DuckDBResource:
    with duckdb.connect(str(path)) as con:
        build(con, ledger)
    return DuckDBResource(database=str(path))


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory):
    return warehouse(tmp_path_factory.mktemp("clean") / "warehouse.duckdb", CLEAN_LEDGER)


@pytest.fixture(scope="module")
def defects(tmp_path_factory):
    return warehouse(tmp_path_factory.mktemp("defects") / "warehouse.duckdb", CLEAN_LEDGER + DEFECTS)


@pytest.fixture(scope="module")
def clean(clean_warehouse):
    with clean_warehouse.get_connection() as con:
        yield con


def kpi(con, model, period, department, code):
    rows = con.execute(
        f"select value from marts.{model} where period = ? and department_id = ? and kpi_code = ?",
        [D(period + "-01"), department, code],
    ).fetchall()
    assert len(rows) == 1, (model, period, department, code, rows)
    return rows[0][0]


def test_account_dimension_takes_roles_and_the_normal_balance_of_the_class(clean):
    rows = dict(clean.execute(
        "select account_code, (normal_balance, is_payables, is_payroll_expense, bank_account_id) from core.dim_account"
    ).fetchall())  # fmt: skip
    assert rows["4100"] == ("credit", False, False, None)  # blank in the chart: revenue is credit-normal
    assert rows["2100"] == ("credit", True, False, None)
    assert rows["6120"] == ("debit", False, True, None)
    assert rows["1110"] == ("debit", False, False, "BCA-OPS")
    cost_centers = clean.execute(
        "select distinct department_id, cost_center from core.fct_gl_line where journal_id = 'J02'"
    ).fetchall()
    assert sorted(cost_centers, key=str) == [("D1", "CC-1"), (None, None)]  # D1's cost centre from the HR master


def test_trial_balance_rolls_balances_forward_and_sums_to_zero(clean):
    tb = {(p.isoformat()[:7], a): (o, c) for p, a, o, c in clean.execute(
        "select period, account_code, opening_balance_idr, closing_balance_normal_idr from core.fct_trial_balance"
    ).fetchall()}  # fmt: skip
    # cash: January -2,000,000 + 30,000,000 = 28,000,000; February -4,000,000 = 24,000,000
    assert tb[("2025-01", "1110")] == (0, 28_000_000)
    assert tb[("2025-02", "1110")] == (28_000_000, 24_000_000)
    # payables (credit-normal, shown positive): January 2m + 4m - 2m = 4m; February + 3m - 4m = 3m
    assert tb[("2025-01", "2100")] == (0, 4_000_000)
    assert tb[("2025-02", "2100")][1] == 3_000_000
    sums = clean.execute("select sum(closing_balance_idr) from core.fct_trial_balance group by period").fetchall()
    assert sums == [(0,), (0,)]


def journal_check(resource, name: str):
    (check,) = [c for c in JOURNAL_CHECKS if c.name == name]
    with resource.get_connection() as con:
        return evaluate(con, check)


def test_journal_checks_pass_on_a_clean_ledger(clean_warehouse):
    for check in JOURNAL_CHECKS:
        result = journal_check(clean_warehouse, check.name)
        assert result.passed, result.description
        assert result.unexpected_count == 0 and result.rows_checked > 0


def test_unbalanced_journal_blocks_with_its_difference(defects):
    result = journal_check(defects, JOURNALS_BALANCE)
    assert not result.passed
    assert result.description.startswith("1 journal(s) whose debits differ")
    assert list(result.sample_keys) == ["J90: debit 1,000,000 credit 900,000 (difference 100,000)"]


def test_unknown_account_blocks_and_the_line_is_kept(defects):
    result = journal_check(defects, ACCOUNTS_EXIST)
    assert not result.passed
    assert list(result.sample_keys) == ["J91 line 1: account 9999"]
    with defects.get_connection() as con:
        kept = con.execute("select count(*) from core.fct_gl_line where journal_id = 'J91'").fetchall()
    assert kept == [(2,)]  # never dropped


def test_posting_into_a_closed_period_blocks(defects):
    result = journal_check(defects, OPEN_PERIOD)
    assert not result.passed
    # J07 (the closing journal itself) is not a closed-period posting
    assert list(result.sample_keys) == [
        "J92 line 1: period 2025-01 closed on 2025-02-05, entered 2025-02-10",
        "J92 line 2: period 2025-01 closed on 2025-02-05, entered 2025-02-10",
    ]


# Every KPI figure of the tiny company, worked out by hand: (model, period, department, KPI code, value).
KPI_FIGURES = [
    # days to close: working days after the month end. January closed by J07 entered Wed 5 Feb: Sat 1 and Sun 2 do
    # not count; Mon 3, Tue 4, Wed 5 = 3 days
    ("kpi_finance__close", "2025-01", "ALL", "days_to_close", 3),
    ("kpi_finance__close", "2025-02", "ALL", "days_to_close", None),  # no close recorded
    # operating expense by department and category
    # January D1: 6110 10,000,000 + 6120 500,000 + 6210 2,000,000 - 500,000 reclassed to D2 = 12,000,000
    # January D2: 6110 6,000,000 + 6310 4,000,000 + 6210 500,000 = 10,500,000
    ("kpi_finance__opex", "2025-01", "D1", "opex_total_idr", 12_000_000),
    ("kpi_finance__opex", "2025-01", "D2", "opex_total_idr", 10_500_000),
    ("kpi_finance__opex", "2025-01", "ALL", "opex_total_idr", 22_500_000),
    ("kpi_finance__opex", "2025-01", "D1", "opex_personnel_idr", 10_500_000),
    ("kpi_finance__opex", "2025-01", "D1", "opex_it_idr", 1_500_000),
    ("kpi_finance__opex", "2025-01", "ALL", "opex_it_idr", 2_000_000),
    ("kpi_finance__opex", "2025-01", "D2", "opex_facilities_idr", 4_000_000),
    ("kpi_finance__opex", "2025-01", "D1", "opex_facilities_idr", 0),
    # February: D1 10,500,000 + 3,000,000 = 13,500,000; D2 6,000,000
    ("kpi_finance__opex", "2025-02", "ALL", "opex_total_idr", 19_500_000),
    # payroll cost share of opex, payroll expense accounts 6110 + 6120: January D1 10,500,000 / 12,000,000;
    # D2 6,000,000 / 10,500,000
    ("kpi_finance__opex", "2025-01", "D1", "payroll_cost_pct_of_opex", pytest.approx(87.5)),
    ("kpi_finance__opex", "2025-01", "D2", "payroll_cost_pct_of_opex", pytest.approx(600 / 10.5)),
    ("kpi_finance__opex", "2025-01", "ALL", "payroll_cost_pct_of_opex", pytest.approx(16.5 / 22.5 * 100)),  # 73.33%
    ("kpi_finance__opex", "2025-02", "ALL", "payroll_cost_pct_of_opex", pytest.approx(16.5 / 19.5 * 100)),  # 84.62%
    # opex budget variance. January D2: actual 10,500,000 vs budget 6,000,000 + 3,000,000 = 9,000,000: +1,500,000,
    # +16.67%
    ("kpi_finance__budget", "2025-01", "D2", "opex_budget_idr", 9_000_000),
    ("kpi_finance__budget", "2025-01", "D2", "opex_budget_variance_idr", 1_500_000),
    ("kpi_finance__budget", "2025-01", "D2", "opex_budget_variance_pct", pytest.approx(1.5 / 9 * 100)),
    # January ALL: 22,500,000 vs 21,000,000 (revenue budget is not opex) = +1,500,000, +7.14%
    ("kpi_finance__budget", "2025-01", "ALL", "opex_budget_variance_idr", 1_500_000),
    ("kpi_finance__budget", "2025-01", "ALL", "opex_budget_variance_pct", pytest.approx(1.5 / 21 * 100)),
    # February D1 on budget: 13,500,000 vs 10,500,000 + 3,000,000
    ("kpi_finance__budget", "2025-02", "D1", "opex_budget_variance_pct", 0),
    # days payable outstanding, ending payables over purchases. January: AP end 2m + 4m - 2m = 4,000,000; purchases
    # (credits to 2100) 6,000,000; 31 days
    ("kpi_finance__payables", "2025-01", "ALL", "dpo_days", pytest.approx(4 / 6 * 31)),
    # February: AP end 4m + 3m - 4m = 3,000,000; purchases 3,000,000; 28 days
    ("kpi_finance__payables", "2025-02", "ALL", "dpo_days", pytest.approx(28)),
    # invoice cycle times. received -> approved, invoices approved in the month: January INV-1 3 days (D1), INV-2
    # 7 days (D2)
    ("kpi_finance__payables", "2025-01", "D1", "ap_cycle_received_to_approved_days", 3),
    ("kpi_finance__payables", "2025-01", "ALL", "ap_cycle_received_to_approved_days", 5),
    # February: INV-3 2 days (D1), INV-4 1 day (D2): mean 1.5
    ("kpi_finance__payables", "2025-02", "ALL", "ap_cycle_received_to_approved_days", 1.5),
    # received -> paid, invoices paid in the month: January INV-1 14 days; February INV-2 33 days (10 Jan to
    # 12 Feb); INV-4 was paid before it was received and has no cycle time
    ("kpi_finance__payables", "2025-01", "ALL", "ap_cycle_received_to_paid_days", 14),
    ("kpi_finance__payables", "2025-02", "D2", "ap_cycle_received_to_paid_days", 33),
    ("kpi_finance__payables", "2025-02", "D1", "ap_cycle_received_to_paid_days", None),
    # on-time payment rate. January: INV-1 paid 01-20, due 02-02: on time
    ("kpi_finance__payables", "2025-01", "ALL", "ap_on_time_payment_rate_pct", 100),
    # February D2: INV-2 paid 02-12 after its due date 02-07; INV-4 paid 02-14, due 03-03: 1 of 2
    ("kpi_finance__payables", "2025-02", "D2", "ap_on_time_payment_rate_pct", 50),
    ("kpi_finance__payables", "2025-02", "ALL", "ap_on_time_payment_rate_pct", 50),
]


@pytest.mark.parametrize(("model", "period", "department", "code", "expected"), KPI_FIGURES)
def test_kpi_figures_are_the_hand_worked_ones(clean, model, period, department, code, expected):
    assert kpi(clean, model, period, department, code) == expected


def test_days_to_close_and_dpo_have_only_the_company_row(clean):
    # the close and the payables balance (account 2100 carries no department) belong to the company as a whole
    close = clean.execute("select distinct department_id from marts.kpi_finance__close").fetchall()
    dpo = clean.execute(
        "select distinct department_id from marts.kpi_finance__payables where kpi_code = 'dpo_days'"
    ).fetchall()
    assert close == [("ALL",)]
    assert dpo == [("ALL",)]


def test_budget_vs_actual_applies_the_sign_convention_of_each_class(clean):
    rows = {(p.isoformat()[:7], d, c): r for p, d, c, *r in clean.execute(
        "select period, department_id, account_category, actual_idr, budget_idr, variance_idr, variance_pct, "
        "favourable_variance_idr, is_favourable from marts.finance_budget_vs_actual"
    ).fetchall()}  # fmt: skip
    # expense over budget: 10,500,000 vs 10,000,000 = +500,000 (+5%), unfavourable
    assert rows[("2025-01", "D1", "personnel")] == [10_500_000, 10_000_000, 500_000, 5.0, -500_000, False]
    # expense under budget: 1,500,000 vs 2,000,000 = -500,000 (-25%), favourable
    assert rows[("2025-01", "D1", "it")] == [1_500_000, 2_000_000, -500_000, -25.0, 500_000, True]
    # revenue above budget is favourable: 30,000,000 vs 25,000,000 (the closing journal J07 is left out)
    assert rows[("2025-01", "D1", "revenue")] == [30_000_000, 25_000_000, 5_000_000, 20.0, 5_000_000, True]
    # actual without a budget: no variance %
    assert rows[("2025-01", "D2", "it")][:4] == [500_000, None, 500_000, None]


def test_invoice_paid_before_received_is_a_finding_and_checked_against_the_approval_limits(clean):
    rows = dict(clean.execute(
        "select invoice_id, (approval_level, is_approver_authorised, problem) from core.fct_ap_invoice"
    ).fetchall())  # fmt: skip
    assert rows["INV-1"] == ("supervisor", True, None)
    assert rows["INV-4"] == (
        "manager", False,
        "paid on 2025-02-14 before it was received on 2025-02-20; "
        "paid on 2025-02-14 before it was approved on 2025-02-21",
    )  # fmt: skip
    findings = clean.execute("select finding_type, key, period from marts.finance_data_findings").fetchall()
    assert findings == [("ap_invoice_dates", "INV-4", D("2025-02-01"))]


def test_finance_kpis_reach_kpi_values_with_their_registered_unit(clean):
    models = ["kpi_finance__opex", "kpi_finance__budget", "kpi_finance__payables", "kpi_finance__close"]
    build_kpi_values(clean, SETTINGS, models=models)
    got = dict(clean.execute("select distinct kpi_code, unit from marts.kpi_values").fetchall())
    registered = {e.code: e.unit for e in load_registry() if e.model in models}
    # the fixture's chart has no professional fees, travel, marketing or training accounts
    absent = {f"opex_{c}_idr" for c in ("professional_fees", "travel", "marketing", "training")}
    assert got == {code: unit for code, unit in registered.items() if code not in absent}
