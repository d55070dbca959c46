"""Payroll cost against budget (marts.kpi_payroll__budget) on the five-person company of test_payroll_kpis, worked
out by hand.

Payroll cost (payroll_cost_total_idr, gross pay plus employer contributions, from test_payroll_kpis):
  January   D1 19,270,000   D2 13,720,000   ALL 32,990,000
  February  D1 24,790,000   D2  3,410,000   ALL 28,200,000
Chart of accounts: 6110 and 6120 in category personnel, 6130 (THR and bonus) in category bonus, 6210 in it. The
finance configuration (account_roles.csv) gives 6110, 6120 and 6130 the role payroll_expense, so the payroll
budget is the budget of the categories personnel and bonus; it is not.
Budgets:
  January   D1 personnel 18,000,000 + bonus 1,000,000 (+ it 5,000,000, not payroll) = 19,000,000
            D2 personnel 14,000,000
            ALL 33,000,000
  February  D1 personnel 24,790,000; D2 none; ALL 24,790,000
Variance = payroll cost - budget; variance % = variance / |budget| * 100:
  January   D1 +270,000 (+1.4211 %)   D2 -280,000 (-2 %)   ALL -10,000 (-0.0303 %)
  February  D1 0 (0 %)                D2 no budget: no values   ALL +3,410,000 (+13.7555 %)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from fixtures.warehouse import (
    HR_CORE,
    PAYROLL_COSTS,
    ROOT,
    create_chart_of_accounts,
    create_five_person_company,
    create_payslips,
    create_staging,
    load_reference,
    run_models,
)

from assets.canonical.needs import needs_of
from assets.finance.config import write_finance_config
from assets.kpi.assets import kpi_needs
from pipelines.settings import Settings

# the company, its events and its payslips are those of the payroll KPI tests
_spec = importlib.util.spec_from_file_location("payroll_company", Path(__file__).with_name("test_payroll_kpis.py"))
_company = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_company)
EVENTS, PAY_DATES, PAYSLIPS = _company.EVENTS, _company.PAY_DATES, _company.PAYSLIPS

CODES = {"payroll_cost_budget_idr", "payroll_cost_budget_variance_idr", "payroll_cost_budget_variance_pct"}
CHART = [  # code, name, type, category, normal balance
    ("6110", "Salaries and wages", "expense", "personnel", "debit"),
    ("6120", "Employer BPJS", "expense", "personnel", "debit"),
    ("6130", "THR and bonus", "expense", "bonus", "debit"),
    ("6210", "Software", "expense", "it", "debit"),
]
BUDGETS = [  # period, department, category, amount
    ("2025-01", "D1", "personnel", 18_000_000),
    ("2025-01", "D1", "bonus", 1_000_000),
    ("2025-01", "D1", "it", 5_000_000),
    ("2025-01", "D2", "personnel", 14_000_000),
    ("2025-02", "D1", "personnel", 24_790_000),
]


@pytest.fixture
def kpis(con):
    settings = Settings(reporting_months=2)
    load_reference(con)
    write_finance_config(con)
    create_five_person_company(con, EVENTS)
    create_payslips(con, PAYSLIPS, PAY_DATES)
    create_chart_of_accounts(con, CHART)
    create_staging(con, "erp__budgets", [
        {"fiscal_year": 2025, "period": p, "department_id": d, "account_category": c, "budget_idr": amount}
        for p, d, c, amount in BUDGETS
    ])  # fmt: skip
    run_models(
        con, settings, *HR_CORE, *PAYROLL_COSTS, "assets/finance/sql/dim_account.sql",
        "assets/finance/sql/fct_budget.sql", "assets/kpi/sql/kpi_payroll__budget.sql",
    )  # fmt: skip
    rows = con.execute("select period, department_id, kpi_code, value from marts.kpi_payroll__budget").fetchall()
    return {(p.isoformat()[:7], d, k): v for p, d, k, v in rows}


def test_every_code_for_every_department_and_month_and_each_is_registered(kpis):
    assert {(p, d) for p, d, _ in kpis} == {(p, d) for p in ("2025-01", "2025-02") for d in ("D1", "D2", "ALL")}
    assert {k for _, _, k in kpis} == CODES
    registry = yaml.safe_load((ROOT / "assets/kpi/registry/payroll.yaml").read_text())
    entries = {e["code"]: e for e in registry if e["code"] in CODES}
    assert set(entries) == CODES and {e["model"] for e in entries.values()} == {"kpi_payroll__budget"}


def test_the_payroll_budget_is_the_budget_of_the_categories_holding_payroll_expense(kpis):
    # personnel and bonus (6130 is payroll expense by its role); the it budget is not payroll
    assert kpis[("2025-01", "D1", "payroll_cost_budget_idr")] == 19_000_000
    assert kpis[("2025-01", "D2", "payroll_cost_budget_idr")] == 14_000_000
    assert kpis[("2025-01", "ALL", "payroll_cost_budget_idr")] == 33_000_000
    assert kpis[("2025-02", "ALL", "payroll_cost_budget_idr")] == 24_790_000


def test_variance_is_payroll_cost_minus_budget_positive_when_over(kpis):
    assert kpis[("2025-01", "D1", "payroll_cost_budget_variance_idr")] == 270_000  # 19,270,000 - 19,000,000
    assert kpis[("2025-01", "D2", "payroll_cost_budget_variance_idr")] == -280_000  # 13,720,000 - 14,000,000
    assert kpis[("2025-01", "ALL", "payroll_cost_budget_variance_idr")] == -10_000  # 32,990,000 - 33,000,000
    assert kpis[("2025-02", "D1", "payroll_cost_budget_variance_idr")] == 0
    assert kpis[("2025-02", "ALL", "payroll_cost_budget_variance_idr")] == 3_410_000  # 28,200,000 - 24,790,000
    assert kpis[("2025-01", "D1", "payroll_cost_budget_variance_pct")] == pytest.approx(270_000 / 19_000_000 * 100)
    assert kpis[("2025-01", "D2", "payroll_cost_budget_variance_pct")] == pytest.approx(-2.0)
    assert kpis[("2025-01", "ALL", "payroll_cost_budget_variance_pct")] == pytest.approx(-10_000 / 33_000_000 * 100)
    assert kpis[("2025-02", "D1", "payroll_cost_budget_variance_pct")] == 0
    assert kpis[("2025-02", "ALL", "payroll_cost_budget_variance_pct")] == pytest.approx(3_410_000 / 24_790_000 * 100)


def test_a_month_without_a_payroll_budget_has_no_values_not_zeros(kpis):
    for code in CODES:
        assert kpis[("2025-02", "D2", code)] is None


def test_without_budgets_or_a_chart_of_accounts_the_kpis_are_not_computable():
    needs = kpi_needs()
    for code in CODES:
        assert {"budgets.budget_idr", "budgets.account_category", "chart_of_accounts.account_code"} <= set(needs[code])
        assert "payslip_lines.amount_idr|pay_summaries.gross_pay" in needs[code]
    assert "budgets.budget_idr" in needs_of("marts.kpi_payroll__budget")
