"""One definition of "employed on a day": a job event after a termination, with no rehire in between, does not make
the person employed again. The fixture rebuilds the demo company's employee E00190 (seed 42, 400 employees, 36
months to 2026-11): a PKWT in D07 who leaves on 2024-10-08 and whose HRIS still records a contract renewal 17 days
later, on 2024-10-25; rehired into D10 on 2025-09-15. Before the fix dim_employee marked him employed from the
renewal to the rehire, so the average daily headcount counted him for eleven months and the period-end headcount
did not.

  E00190  D07  hired 2021-10-25 (PKWT), renewed 2023-10-25, raise 2024-01-01, leaves 2024-10-08 (last day employed),
               planted: contract_renewal 2024-10-25 (no rehire), rehired into D10 on 2025-09-15
  E1      D07  hired 2020-01-01, stays                   E2  D10  hired 2020-01-01, stays

The window is October 2024 to September 2025 (12 months; attendance ends it on 2025-09-30).
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import HR_CORE, ROOT, create_staging, load_reference, run_models

from assets.sqlmodels import parse_model
from pipelines.settings import Settings

D = dt.date.fromisoformat
SETTINGS = Settings(reporting_months=12, privacy_min_group_size=1, work_week_days=5)
TERMINATION, RENEWAL, REHIRE = D("2024-10-08"), D("2024-10-25"), D("2025-09-15")


def event(event_id, employee, day, kind, department, employment_type="PKWTT", contract_end=None, **extra):
    return {"event_id": event_id, "employee_id": employee, "event_date": D(day), "event_type": kind,
            "department_id": department, "grade": "G2", "employment_type": employment_type,
            "contract_end_date": contract_end and D(contract_end), "base_salary_idr": 6_000_000, **extra}  # fmt: skip


EVENTS = [
    event("JH0000001", "E1", "2020-01-01", "hire", "D07"),
    event("JH0000002", "E2", "2020-01-01", "hire", "D10"),
    event("JH0001552", "E00190", "2021-10-25", "hire", "D07", "PKWT", "2023-10-24"),
    event("JH0002364", "E00190", "2023-10-25", "contract_renewal", "D07", "PKWT", "2024-10-24"),
    event("JH0002571", "E00190", "2024-01-01", "salary_change", "D07", "PKWT", "2024-10-24"),
    event("JH0002969", "E00190", "2024-10-08", "termination", "D07", termination_type="voluntary",
          termination_reason="resignation"),
    event("JH0002974", "E00190", "2024-10-25", "contract_renewal", "D07"),  # planted: after he left, no rehire
    event("JH0003640", "E00190", "2025-09-15", "rehire", "D10"),
]  # fmt: skip

MASTER = [
    {"employee_id": e, "gender": "M", "hire_date": D(h), "department_id": d, "employment_type": "PKWTT"}
    for e, h, d in (("E1", "2020-01-01", "D07"), ("E2", "2020-01-01", "D10"), ("E00190", "2025-09-15", "D10"))
]


@pytest.fixture(scope="module")
def con():
    import duckdb

    con = duckdb.connect()
    load_reference(con)
    create_staging(con, "hris__job_history", EVENTS)
    create_staging(con, "hris__employees", MASTER)
    create_staging(con, "hris__departments", [{"department_id": d, "department_name": d} for d in ("D07", "D10")])
    create_staging(con, "hris__attendance", [
        {"employee_id": "E1", "attendance_date": D("2025-09-30"), "status": "present"},
        {"employee_id": "E00190", "attendance_date": D("2025-01-06"), "status": "present"},  # between the two spells
        {"employee_id": "E00190", "attendance_date": D("2025-09-15"), "status": "present"},  # his first day back
    ])  # fmt: skip
    create_staging(con, "hris__pay_bands", [{"grade": "G2", "min_idr": 5_000_000, "mid_idr": 6_000_000,
                                             "max_idr": 7_000_000, "effective_from": D("2020-01-01")}])  # fmt: skip
    run_models(con, SETTINGS, *HR_CORE, "assets/hr/sql/dim_department.sql", "assets/hr/sql/fct_attendance_daily.sql",
               "assets/hr/sql/fct_leave.sql", "assets/hr/sql/fct_training.sql", "assets/hr/sql/fct_requisition.sql",
               "assets/hr/sql/hr_data_findings.sql", "assets/kpi/sql/kpi_hr__workforce.sql",
               "assets/kpi/sql/kpi_hr__movements.sql")  # fmt: skip
    yield con
    con.close()


def employed_on(con, employee: str, day: dt.date) -> bool:
    return con.execute(
        "select count(*) > 0 from core.dim_employee where employee_id = ? and is_employed "
        "and ? between valid_from and valid_to",
        [employee, day],
    ).fetchone()[0]


def kpi(con, period: str, department: str, code: str) -> float:
    return con.execute(
        "select value from marts.kpi_hr__workforce where strftime(period, '%Y-%m') = ? and department_id = ? "
        "and kpi_code = ?",
        [period, department, code],
    ).fetchone()[0]


def test_he_is_not_employed_between_the_termination_and_the_rehire(con):
    assert employed_on(con, "E00190", TERMINATION)  # his last day employed
    day = TERMINATION + dt.timedelta(days=1)
    while day < REHIRE:
        assert not employed_on(con, "E00190", day), day
        day += dt.timedelta(days=1)
    assert employed_on(con, "E00190", REHIRE)
    versions = con.execute(
        "select strftime(valid_from, '%Y-%m-%d'), strftime(valid_to, '%Y-%m-%d'), change_event, is_employed, "
        "spell_no, strftime(termination_date, '%Y-%m-%d') from core.dim_employee where employee_id = 'E00190' "
        "and valid_from >= '2024-01-01' order by valid_from"
    ).fetchall()
    assert versions == [
        ("2024-01-01", "2024-10-08", "salary_change", True, 1, "2024-10-08"),
        ("2024-10-09", "2024-10-24", "termination", False, 1, "2024-10-08"),
        ("2024-10-25", "2025-09-14", "contract_renewal", False, 1, "2024-10-08"),  # stays not employed
        ("2025-09-15", "9999-12-31", "rehire", True, 2, None),
    ]


def test_the_event_after_the_termination_is_a_data_finding(con):
    rows = con.execute(
        "select finding_code, severity, record_key, employee_id, event_date, description from marts.hr_data_findings "
        "where employee_id = 'E00190' and finding_code like 'job_event%'"
    ).fetchall()
    assert rows == [(
        "job_event_after_termination", "error", "JH0002974", "E00190", RENEWAL,
        "Job event JH0002974 (contract_renewal on 2024-10-25) is for E00190, who left on 2024-10-08 (termination "
        "JH0002969) and has no rehire in between; the event is 17 day(s) after the last day employed and does not "
        "make the person employed again, so no headcount, FTE or retention counts E00190 from 2024-10-09 until a "
        "rehire. Record the rehire if the person came back, or correct the event or the termination.",
    )]  # fmt: skip


def test_attendance_between_the_spells_is_not_employed_attendance(con):
    got = con.execute(
        "select strftime(attendance_date, '%Y-%m-%d'), is_employed_on_day, department_id "
        "from core.fct_attendance_daily where employee_id = 'E00190' order by attendance_date"
    ).fetchall()
    assert got == [("2025-01-06", False, None), ("2025-09-15", True, "D10")]
    codes = con.execute(
        "select finding_code, record_key from marts.hr_data_findings where finding_code like 'attendance%'"
    ).fetchall()
    assert codes == [("attendance_not_employed", "E00190@2025-01-06")]


def test_both_headcounts_by_month(con):
    # October 2024, D07: E1 31 days + E00190 1-8 October = 39 employee-days / 31; at the close of the 31st: E1 only
    assert kpi(con, "2024-10", "D07", "headcount_avg_daily") == pytest.approx(39 / 31)
    assert kpi(con, "2024-10", "D07", "headcount_period_end") == 1
    assert kpi(con, "2024-10", "D07", "separations") == 1
    # November 2024 to August 2025 (where the renewal used to count him): D07 is E1 alone, both measures 1
    for period in ("2024-11", "2025-01", "2025-06", "2025-08"):
        assert kpi(con, period, "D07", "headcount_avg_daily") == 1, period
        assert kpi(con, period, "D07", "headcount_period_end") == 1, period
        assert kpi(con, period, "ALL", "headcount_avg_daily") == 2, period
    # September 2025, D10: E2 30 days + E00190 from the 15th = 16 days -> 46 / 30; period end E2 and E00190
    assert kpi(con, "2025-09", "D10", "headcount_avg_daily") == pytest.approx(46 / 30)
    assert kpi(con, "2025-09", "D10", "headcount_period_end") == 2


def test_retention_does_not_count_him_between_termination_and_rehire(con):
    # January 2025, D07: employed on the 1st is E1 alone (the renewal of 2024-10-25 used to add E00190 as a leaver)
    got = con.execute(
        "select value, numerator, denominator from marts.kpi_hr__movements where period = '2025-01-01' "
        "and department_id = 'D07' and kpi_code = 'retention_rate_pct'"
    ).fetchone()
    assert got == (100.0, 1, 1)


def test_both_headcounts_agree_on_every_day(con):
    """kpi_hr__workforce rebuilt with every day of the window as a period of its own: on each day the average daily
    headcount (employees employed that day) equals the period-end headcount (employed after the close of the day),
    by department and for the company; only on 2024-10-08, E00190's last day employed, does the first count him and
    the second not."""
    con.execute("create schema if not exists daily")
    con.execute("create or replace table daily.dim_period as select date_day as period, date_day as period_end, "
                "1 as n_calendar_days, is_working_day::int as n_working_days from core.dim_date")  # fmt: skip
    con.execute("create or replace table daily.dim_date as select date_day, date_day as period from core.dim_date")
    sql = parse_model(ROOT / "assets/kpi/sql/kpi_hr__workforce.sql", "marts").sql
    sql = sql.replace("core.dim_period", "daily.dim_period").replace("core.dim_date", "daily.dim_date")
    con.execute("create or replace table daily.kpi as " + sql)
    rows = con.execute("""
        select a.period, a.department_id, a.value, e.value
        from daily.kpi a
        join daily.kpi e using (period, department_id)
        where a.kpi_code = 'headcount_avg_daily' and e.kpi_code = 'headcount_period_end'
    """).fetchall()  # fmt: skip
    assert len(rows) == 365 * 3  # D07, D10 and ALL on each of the 365 days
    for day, department, daily_count, period_end in rows:
        left_that_day = int(day == TERMINATION and department in ("D07", "ALL"))
        assert daily_count == period_end + left_that_day, (day, department)
    on = {(d, dep): v for d, dep, v, _ in rows}
    assert on[(RENEWAL, "D07")] == on[(D("2025-09-14"), "D07")] == 1  # E1 alone, not the renewal
    assert on[(REHIRE, "D10")] == 2
