"""The finance models on a generated company (60 employees, 6 months to 2025-06, seed 7), against the answer key:
the bank match rate is 100% in every month without a planted unmatched bank line, the planted lines are exactly
what stays unmatched, payroll and ledger agree to the rupiah, every journal balances, and the invoices paid
before they were received are exactly the findings. Builds the models in DuckDB without Dagster (a few seconds).
"""

from __future__ import annotations

import duckdb
import pytest
from fixtures.project import generate_demo_company
from fixtures.warehouse import HR_CORE, PAYSLIP_CORE, ROOT, load_reference, run_models, stage_sources

from assets.finance.config import write_finance_config
from assets.ingest.contracts import discover_contracts, load_contract
from pipelines.settings import Settings

pytestmark = pytest.mark.integration

MONTHS = 6
MODELS = (
    *HR_CORE,
    *PAYSLIP_CORE,
    *(
        f"assets/finance/sql/{m}.sql"
        for m in ("dim_account", "fct_gl_line", "fct_ap_invoice", "fct_bank_transaction", "fct_budget",
                  "fct_bank_match", "finance_bank_unmatched_items", "finance_bank_reconciling_items",
                  "finance_bank_reconciliation", "payroll_ledger_reconciliation", "finance_data_findings")
    ),
    "assets/kpi/sql/kpi_finance__bank.sql",
)  # fmt: skip


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    root = tmp_path_factory.mktemp("company")
    planted = generate_demo_company(root, MONTHS)
    con = duckdb.connect()
    names = tuple(
        path.stem for path in discover_contracts(ROOT / "contracts" / "demo")
        if load_contract(path).system in ("erp", "hris", "payroll")
    )  # fmt: skip
    stage_sources(con, names, root / "landing")
    load_reference(con)
    write_finance_config(con)
    run_models(con, Settings(reporting_months=MONTHS), *MODELS)
    yield con, planted
    con.close()


def keys(planted, anomaly_type):
    return sorted(r["key"] for r in planted if r["anomaly_type"] == anomaly_type)


def count_where(con, table: str, condition: str) -> int:
    return con.execute(f"select count(*) from {table} where {condition}").fetchone()[0]


def test_every_journal_balances_on_a_known_account(company):
    con, _ = company
    assert count_where(con, "core.fct_gl_line", "not is_journal_balanced or not is_account_known") == 0


def test_bank_match_rate_is_complete_except_in_months_with_a_planted_unmatched_line(company):
    con, planted = company
    planted_months = {r["period"] for r in planted if r["anomaly_type"] == "unmatched_bank_line"}
    rates = con.execute(
        "select strftime(period, '%Y-%m'), value from marts.kpi_finance__bank "
        "where kpi_code = 'bank_match_rate_count_pct'"
    ).fetchall()
    assert len(rates) == MONTHS
    for period, rate in rates:
        if period in planted_months:
            assert rate < 100, period
        else:
            assert rate == 100, period


def test_the_planted_bank_lines_are_exactly_what_stays_unmatched(company):
    con, planted = company
    unmatched = con.execute(
        "select side, coalesce(bank_txn_id, journal_id) from marts.finance_bank_unmatched_items order by 2"
    ).fetchall()
    assert unmatched == [("bank", k) for k in keys(planted, "unmatched_bank_line")]
    assert count_where(con, "marts.finance_bank_reconciliation", "not is_reconciled") == 0  # nothing unexplained


def test_payroll_register_and_ledger_agree_every_month(company):
    con, _ = company
    rows = con.execute(
        "select count(*), count(*) filter (where is_month_passed), sum(abs(difference_idr)) "
        "from marts.payroll_ledger_reconciliation"
    ).fetchall()
    assert rows == [(MONTHS * 5, MONTHS * 5, 0)]


def test_invoices_paid_before_received_are_the_findings(company):
    con, planted = company
    findings = con.execute(
        "select key from marts.finance_data_findings where finding_type = 'ap_invoice_dates' order by key"
    ).fetchall()
    assert [k for (k,) in findings] == keys(planted, "invoice_paid_before_received")
