"""The whole nightly job, in-process, on a small generated company: row accounting, KPI sanity, and a
second run that changes nothing."""

from __future__ import annotations

import pytest
from fixtures.project import forget_settings, generate, point_settings_at

from pipelines.dagster_storage import ephemeral_instance

pytestmark = pytest.mark.integration

EMPLOYEES = 60
MONTHS = 6
END_PERIOD = "2025-06"  # crosses Idul Fitri 2025 (THR) and ends on a full month


def _snapshot(con, table: str) -> list:
    return con.execute(f"select * from {table} order by all").fetchall()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Generate the company and run nightly_refresh twice; yield what each run left behind."""
    import duckdb

    from pipelines.cli import run_nightly
    from pipelines.definitions import build_definitions

    root = tmp_path_factory.mktemp("project")
    with pytest.MonkeyPatch.context() as mp:
        settings = point_settings_at(mp, root, MONTHS)
        generate(settings, employees=EMPLOYEES, months=MONTHS, end_period=END_PERIOD, seed=7)
        defs = build_definitions()
        instance = ephemeral_instance()
        first = run_nightly(instance=instance, defs=defs)
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            after_first = {
                t: _snapshot(con, t) for t in ("marts.kpi_values", "core.dim_employee", "meta.load_manifest")
            }
        second = run_nightly(instance=instance, defs=defs)
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        yield {"settings": settings, "first": first, "second": second, "after_first": after_first, "con": con}
        con.close()
    forget_settings()


def test_both_runs_succeed_with_every_check_passing(project):
    for run in ("first", "second"):
        result = project[run]
        assert result.success, f"{run} run failed"
        evaluations = result.get_asset_check_evaluations()
        assert evaluations, "checks ran"
        failed = [e.check_name for e in evaluations if not e.passed]
        assert failed == [], f"{run} run: failed checks {failed}"


def test_every_file_loaded_and_balances(project):
    con = project["con"]
    statuses = con.execute("select status, count(*) from meta.load_manifest group by 1").fetchall()
    assert dict(statuses).keys() == {"loaded"}
    unbalanced = con.execute(
        "select source_path from meta.load_manifest where rows_read <> rows_staged + rows_quarantined"
    ).fetchall()
    assert unbalanced == []
    empty = con.execute(
        "select contract from meta.load_manifest group by contract having sum(rows_staged) = 0"
    ).fetchall()
    assert empty == [], "every source stages rows"
    quarantined = con.execute("select sum(rows_quarantined) from meta.load_manifest").fetchall()[0][0]
    assert quarantined == 0, "the generated company is clean at the contract level"


def test_kpis_are_sane(project):
    con = project["con"]
    rows = con.execute(
        """
        select period, kpi_code, value from marts.kpi_values where department_id = 'ALL'
        """
    ).fetchall()
    periods = {r[0] for r in rows}
    assert len(periods) == MONTHS
    for period, code, value in rows:
        if code == "headcount_period_end":
            assert 0.8 * EMPLOYEES <= value <= 1.3 * EMPLOYEES, (period, value)
        if code == "turnover_rate_monthly_pct":
            assert 0 <= value <= 10, (period, value)
    # departments add up to the company
    mismatches = con.execute(
        """
        select period, kpi_code from marts.kpi_values
        where kpi_code in ('headcount_period_end', 'separations')
        group by period, kpi_code
        having sum(value) filter (where department_id <> 'ALL') <> sum(value) filter (where department_id = 'ALL')
        """
    ).fetchall()
    assert mismatches == []


def test_second_run_is_a_no_op_with_identical_marts(project):
    con = project["con"]
    for table, rows in project["after_first"].items():
        assert _snapshot(con, table) == rows, f"{table} changed on the second run"


def test_the_dashboard_pages_are_published_with_one_local_plotly(project):
    reports = project["settings"].reports_dir
    names = {p.name for p in reports.glob("*.html")}
    assert {"overview.html", "hr.html", "payroll.html", "finance.html", "controls.html", "quality.html"} <= names
    for name in ("overview.html", "hr.html"):
        page = (reports / name).read_text()
        assert '<script src="assets/plotly.min.js">' in page, name
        assert "https://" not in page.split("<main")[0], f"{name}: no remote script or style in the head"
    assert list(reports.rglob("plotly*.js")) == [reports / "assets" / "plotly.min.js"]


def test_the_pandas_reference_gives_the_warehouse_kpis(project):
    """benchmarks/pandas_reference.py (what `make bench` times against the job) computes headcount, turnover,
    absenteeism and payroll cost from the landing files alone; every value must equal marts.kpi_values."""
    import pandas as pd

    from benchmarks.pandas_reference import KEYS, compute_kpis

    settings = project["settings"]
    expected = compute_kpis(settings.landing_dir, MONTHS)
    codes = sorted(expected["kpi_code"].unique())
    assert codes == ["absenteeism_rate_pct", "headcount_avg_daily", "headcount_period_end",
                     "payroll_cost_total_idr", "separations", "turnover_rate_monthly_pct"]  # fmt: skip
    actual = (
        project["con"]
        .execute("select period, department_id, kpi_code, value from marts.kpi_values where kpi_code in ?", [codes])
        .df()
    )
    actual["period"] = pd.to_datetime(actual["period"])
    merged = expected.merge(actual, on=KEYS, how="outer", suffixes=("_pandas", "_sql"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head(10).to_string()
    assert len(merged) == MONTHS * len(codes) * merged["department_id"].nunique()
    differ = (merged["value_pandas"] - merged["value_sql"]).abs() > 1e-9
    both_null = merged["value_pandas"].isna() & merged["value_sql"].isna()
    assert not (differ & ~both_null).any(), merged[differ & ~both_null].head(10).to_string()
    assert merged["value_sql"].notna().sum() > 0.9 * len(merged)
