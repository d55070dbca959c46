"""HR KPIs of a six-day-week company (work_week_days = 6) with a mid-month transfer, worked out by hand; the same
data read as a five-day week shows what the setting changes.

January 2025, 31 days. Public holidays Wed 1, Mon 27 and Wed 29; Tue 28 is collective leave (a paid working day).
  6-day week (Monday-Saturday): 27 weekdays - 3 holidays = 24 working days, 7 normal hours a day
    (reference.labour_parameters normal_hours_day_6day_week) -> 168 standard hours
    working days 1-15: 2 3 4 6 7 8 9 10 11 13 14 15 = 12;  16-31: 16 17 18 20 21 22 23 24 25 28 30 31 = 12
  5-day week (Monday-Friday): 23 weekdays - 3 holidays = 20 working days, 8 hours -> 160 standard hours
    working days 1-15: 10;  16-31: 10;  13-31: 13

  A1  D1  hired 2024-01-01; stays. 4 h overtime on Saturday the 4th.
  A2  D1  hired 2024-01-01; TRANSFERRED to D2 on Thursday 2025-01-16 (mid-month); sick on the 16th, in D2.
  A3  D2  hired Monday 2025-01-13 (mid-month).
  A4  D2  hired 2024-01-01; unpaid absence on Saturday the 11th, present on Saturday the 18th, sick on Sunday the
          12th (a rest day in both weeks).
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import HR_CORE, create_staging, load_reference, run_models

from pipelines.settings import Settings

D = dt.date.fromisoformat
MODELS = (
    "assets/hr/sql/fct_attendance_daily.sql",
    "assets/kpi/sql/kpi_hr__workforce.sql",
    "assets/kpi/sql/kpi_hr__attendance.sql",
)


def event(event_id, employee, day, kind, department):
    return {"event_id": event_id, "employee_id": employee, "event_date": D(day), "event_type": kind,
            "department_id": department, "grade": "G1", "employment_type": "PKWTT",
            "base_salary_idr": 7_000_000}  # fmt: skip


EVENTS = [
    event("1", "A1", "2024-01-01", "hire", "D1"),
    event("2", "A2", "2024-01-01", "hire", "D1"),
    event("3", "A2", "2025-01-16", "transfer", "D2"),
    event("4", "A3", "2025-01-13", "hire", "D2"),
    event("5", "A4", "2024-01-01", "hire", "D2"),
]


def attendance(employee, day, status, overtime=0):
    return {"employee_id": employee, "attendance_date": D(day), "status": status, "overtime_hours_approved": overtime}


ATTENDANCE = [
    attendance("A1", "2025-01-04", "present", 4),  # Saturday
    attendance("A1", "2025-01-31", "present"),
    attendance("A2", "2025-01-16", "sick"),  # his first day in D2
    attendance("A4", "2025-01-11", "unpaid_absence"),  # Saturday
    attendance("A4", "2025-01-12", "sick"),  # Sunday
    attendance("A4", "2025-01-18", "present"),  # Saturday
]


def build(work_week_days):
    import duckdb

    con = duckdb.connect()
    load_reference(con)
    create_staging(con, "hris__job_history", EVENTS)
    create_staging(con, "hris__attendance", ATTENDANCE)
    run_models(con, Settings(reporting_months=1, work_week_days=work_week_days), *HR_CORE, *MODELS)
    return con


@pytest.fixture(scope="module")
def six():
    con = build(6)
    yield con
    con.close()


@pytest.fixture(scope="module")
def five():
    con = build(5)
    yield con
    con.close()


def kpi(con, department, code):
    return con.execute(
        "select value, numerator, denominator from marts.kpi_hr__workforce where department_id = ? and kpi_code = ? "
        "union all select value, numerator, denominator from marts.kpi_hr__attendance where department_id = ? "
        "and kpi_code = ?",
        [department, code, department, code],
    ).fetchone()


def test_saturdays_are_working_days_in_a_six_day_week(six, five):
    assert six.execute("select n_working_days from core.dim_period").fetchone() == (24,)
    assert five.execute("select n_working_days from core.dim_period").fetchone() == (20,)
    saturdays = six.execute(
        "select list(is_working_day order by date_day) from core.dim_date where iso_day_of_week = 6"
    ).fetchone()[0]
    assert saturdays == [True, True, True, True]  # the 4th, 11th, 18th and 25th
    assert six.execute("select is_working_day from core.dim_date where date_day = '2025-01-28'").fetchone() == (True,)


def test_headcounts_follow_the_mid_month_transfer(six):
    # D1: A1 31 + A2 15 (1-15) = 46 employee-days; D2: A2 16 (16-31) + A3 19 (13-31) + A4 31 = 66
    assert kpi(six, "D1", "headcount_avg_daily") == (pytest.approx(46 / 31), 46, 31)
    assert kpi(six, "D2", "headcount_avg_daily") == (pytest.approx(66 / 31), 66, 31)
    assert kpi(six, "D1", "headcount_period_end")[0] == 1
    assert kpi(six, "D2", "headcount_period_end")[0] == 3


def test_fte_counts_saturdays_at_seven_hours(six, five):
    # six-day week, 168 standard hours. D1: A1 24 + A2 12 (before the transfer) = 36 days x 7 h = 252 -> 1.5
    assert kpi(six, "D1", "fte") == (pytest.approx(1.5), 252, 168)
    # D2: A2 12 + A3 15 + A4 (24 - the unpaid Saturday) 23 = 50 days x 7 h = 350 -> 2.0833
    assert kpi(six, "D2", "fte") == (pytest.approx(350 / 168), 350, 168)
    # five-day week, 160 standard hours. D1: A1 20 + A2 10 = 30 days x 8 h = 240 -> 1.5. D2: A2 10 + A3 13 + A4 20
    # (the unpaid Saturday is a rest day) = 43 days x 8 h = 344 -> 2.15
    assert kpi(five, "D1", "fte") == (pytest.approx(1.5), 240, 160)
    assert kpi(five, "D2", "fte") == (pytest.approx(344 / 160), 344, 160)


def test_absenteeism_schedules_saturdays_in_a_six_day_week_only(six, five):
    # six-day week, D2 scheduled: A2 16th (sick), A4 11th (unpaid), A4 18th (present) = 3 days, 2 absent; A4's
    # Sunday is a rest day. D1: A1 4th (Saturday) and 31st, nobody absent.
    assert kpi(six, "D2", "absenteeism_rate_pct") == (pytest.approx(2 / 3 * 100), 2, 3)
    assert kpi(six, "D1", "absenteeism_rate_pct") == (0, 0, 2)
    # five-day week: only A2's Thursday is scheduled in D2 (1 of 1), and A1's Friday in D1
    assert kpi(five, "D2", "absenteeism_rate_pct") == (100, 1, 1)
    assert kpi(five, "D1", "absenteeism_rate_pct") == (0, 0, 1)


def test_overtime_per_employee_over_the_average_daily_headcount(six):
    # D1: A1's 4 h on Saturday over 46/31 people
    assert kpi(six, "D1", "overtime_hours_per_employee")[0] == pytest.approx(4 / (46 / 31))
