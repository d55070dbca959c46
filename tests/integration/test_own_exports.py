"""A company whose only export is an employee master (id, department, hire and termination dates), loaded through
one contract of its own: the whole nightly job succeeds, publishes every page, computes headcount, turnover and
tenure by hand-checked figures, and lists every other KPI and rule as not computable with the columns it needs.

The master (five people, two departments; a termination date is the last day employed):

    E1  A  hired 2024-01-01
    E2  A  hired 2024-01-01, left 2024-03-31
    E3  B  hired 2024-02-15
    E4  B  hired 2023-06-01
    E5  A  hired 2024-03-01

The data ends on 2024-03-31 (the latest date in the master), so three reporting months are 2024-01 .. 2024-03.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.project import forget_settings, own_company

from pipelines.dagster_storage import ephemeral_instance

pytestmark = pytest.mark.integration

MASTER = """\
Staff No,Dept,Start,Leaving Date
E1,A,01/01/2024,
E2,A,01/01/2024,31/03/2024
E3,B,15/02/2024,
E4,B,01/06/2023,
E5,A,01/03/2024,
"""
MONTHS = 3
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    import duckdb

    from pipelines.cli import run_nightly
    from pipelines.definitions import build_definitions

    root = tmp_path_factory.mktemp("own_exports")
    with pytest.MonkeyPatch.context() as mp:
        settings, _ = own_company(mp, root, MONTHS, MASTER)
        result = run_nightly(instance=ephemeral_instance(), defs=build_definitions())
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        yield {"settings": settings, "result": result, "con": con}
        con.close()
    forget_settings()


def kpi(con, code: str) -> dict[tuple[dt.date, str], float]:
    rows = con.execute("select period, department_id, value from marts.kpi_values where kpi_code = ?", [code])
    return {(p, d): v for p, d, v in rows.fetchall()}


def test_the_run_succeeds_and_publishes_every_page(project):
    assert project["result"].success
    reports = project["settings"].reports_dir
    pages = {p.name for p in reports.glob("*.html")}
    assert {"overview.html", "hr.html", "payroll.html", "finance.html", "controls.html", "quality.html"} <= pages
    assert {"review-2024-01.html", "review-2024-02.html", "review-2024-03.html"} <= pages


def test_headcount_by_hand(project):
    end = kpi(project["con"], "headcount_period_end")
    # Jan 31: E1, E2, E4; Feb 29: + E3; Mar 31: E2's last day was the 31st, E5 joined
    assert [end[(m, "ALL")] for m in (JAN, FEB, MAR)] == [3, 4, 4]
    assert [end[(m, "A")] for m in (JAN, FEB, MAR)] == [2, 2, 2]
    assert [end[(m, "B")] for m in (JAN, FEB, MAR)] == [1, 2, 2]
    daily = kpi(project["con"], "headcount_avg_daily")
    # February: E1, E2, E4 29 days each and E3 15 days (15-29 Feb) = 102 employee-days / 29
    assert daily[(FEB, "ALL")] == pytest.approx(102 / 29)
    assert daily[(MAR, "ALL")] == pytest.approx(5.0)


def test_turnover_and_hires_by_hand(project):
    con = project["con"]
    assert kpi(con, "separations")[(MAR, "A")] == 1
    assert kpi(con, "separations")[(MAR, "ALL")] == 1
    # one leaver over an average of 5 employees in March; in department A over E1, E2, E5 = 3
    assert kpi(con, "turnover_rate_monthly_pct")[(MAR, "ALL")] == pytest.approx(20.0)
    assert kpi(con, "turnover_rate_monthly_pct")[(MAR, "A")] == pytest.approx(100 / 3)
    assert kpi(con, "new_hires")[(FEB, "B")] == 1


def test_tenure_by_hand(project):
    tenure = kpi(project["con"], "avg_tenure_years")
    # 31 March 2024: E1 90 days, E3 45, E4 304, E5 30 -> 469 days / 4 people / 365.25
    assert tenure[(MAR, "ALL")] == pytest.approx(469 / 4 / 365.25)


def test_every_other_kpi_names_what_it_needs(project):
    con = project["con"]
    rows = con.execute("select kpi_code, is_computable, missing_columns, reason from marts.kpi_computability")
    status = {code: (ok, missing, reason) for code, ok, missing, reason in rows.fetchall()}
    for code in ("headcount_period_end", "separations", "turnover_rate_monthly_pct", "avg_tenure_years"):
        assert status[code][0], code
    assert not status["payroll_cost_total_idr"][0]
    assert "payslip_lines.amount_idr|pay_summaries.gross_pay" in status["payroll_cost_total_idr"][1]
    assert not status["absenteeism_rate_pct"][0]
    assert "attendance.status" in status["absenteeism_rate_pct"][1]
    assert status["span_of_control"][2] == "not computable: needs employees.manager_id or job_history.manager_id"
    for code, (ok, missing, reason) in status.items():
        assert ok or (missing and reason.startswith("not computable: needs")), code
    computed = {r[0] for r in con.execute("select distinct kpi_code from marts.kpi_values").fetchall()}
    assert computed == {code for code, (ok, _, _) in status.items() if ok}


def test_rules_that_cannot_run_say_so(project):
    con = project["con"]
    rules = dict(con.execute("select rule_code, is_computable from marts.rule_computability").fetchall())
    assert not rules["duplicate_payment_exact"]
    findings = con.execute(
        "select count(*) from marts.control_findings where control_code = 'input_missing'"
    ).fetchone()[0]
    assert findings > 0
