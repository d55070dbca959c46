"""Core HR model (departments, attendance, leave, training, requisitions) and the HR findings, on a tiny HRIS
with planted defects, each commented where it is planted. The window is January 2025 (31 days; Jan 1, 27 and 29
are public holidays, Jan 28 collective leave; 5-day week).

  A1  D1  hired 2024-01-01, no manager; stays.
  A2  D2  hired 2025-01-13 (mid-month), manager A1; transferred to D3 on 2025-01-20.
  A3  D9  hired 2024-06-01, manager M404.       planted: D9 is not in the departments master, M404 is nobody,
                                                and the master has no gender for A3
  A4  D1  hired 2025-01-06.                     planted: a termination event on 2024-12-31, before the hire
  A5  D1  hired 2024-01-01.                     planted: job history only, no master row
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import HR_CORE, create_staging, load_reference, run_models

from pipelines.settings import Settings

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat

CORE_MODELS = (
    "assets/hr/sql/dim_department.sql",
    "assets/hr/sql/fct_attendance_daily.sql",
    "assets/hr/sql/fct_leave.sql",
    "assets/hr/sql/fct_training.sql",
    "assets/hr/sql/fct_requisition.sql",
    "assets/hr/sql/hr_data_findings.sql",
    "assets/kpi/sql/kpi_hr__workforce.sql",
    "assets/kpi/sql/kpi_hr__pay.sql",
)


def event(event_id, employee, day, kind, department, manager=None, termination_type=None):
    return {"event_id": event_id, "employee_id": employee, "event_date": D(day), "event_type": kind,
            "department_id": department, "manager_id": manager, "grade": "G1", "employment_type": "PKWTT",
            "base_salary_idr": 8_000_000, "termination_type": termination_type}  # fmt: skip


EVENTS = [
    event("1", "A1", "2024-01-01", "hire", "D1"),
    event("2", "A2", "2025-01-13", "hire", "D2", "A1"),
    event("3", "A2", "2025-01-20", "transfer", "D3", "A1"),
    event("4", "A3", "2024-06-01", "hire", "D9", "M404"),  # planted: unknown department and manager
    event("5", "A4", "2024-12-31", "termination", "D1", None, "voluntary"),  # planted: before the hire
    event("6", "A4", "2025-01-06", "hire", "D1"),
    event("7", "A5", "2024-01-01", "hire", "D1", "A1"),  # planted: A5 is not in the master
]


def master(employee, gender, hire_date, department):
    return {"employee_id": employee, "gender": gender, "hire_date": D(hire_date), "department_id": department,
            "employment_type": "PKWTT"}  # fmt: skip


MASTER = [
    master("A1", "M", "2024-01-01", "D1"),
    master("A2", "F", "2025-01-13", "D3"),
    master("A3", None, "2024-06-01", "D9"),  # planted: no gender
    master("A4", "M", "2025-01-06", "D1"),
]

DEPARTMENTS = [
    {"department_id": "D1", "department_name": "Head office", "parent_department_id": None, "cost_center": "CC-1"},
    {"department_id": "D2", "department_name": "Operations", "parent_department_id": "D1", "cost_center": "CC-2"},
    {"department_id": "D3", "department_name": "Warehouse", "parent_department_id": "D2", "cost_center": "CC-3"},
    {"department_id": "D4", "department_name": "Loop A", "parent_department_id": "D5"},  # planted: a cycle
    {"department_id": "D5", "department_name": "Loop B", "parent_department_id": "D4"},
    {"department_id": "D6", "department_name": "Orphan", "parent_department_id": "DX"},  # planted: no DX
]


def attendance(employee, day, status, overtime=0, clock_in=None, clock_out=None):
    return {"employee_id": employee, "attendance_date": D(day), "status": status, "overtime_hours_approved": overtime,
            "clock_in": clock_in and T(clock_in), "clock_out": clock_out and T(clock_out)}  # fmt: skip


ATTENDANCE = [
    attendance("A1", "2025-01-01", "annual_leave"),  # a public holiday
    attendance("A1", "2025-01-06", "present", 0, "2025-01-06 08:00:00", "2025-01-06 17:30:00"),
    attendance("A2", "2025-01-10", "present"),  # planted: A2 starts on the 13th
    attendance("A2", "2025-01-13", "sick"),
    attendance("A2", "2025-01-20", "present", 2),
    attendance("A4", "2025-01-03", "present"),  # planted: A4 starts on the 6th (the early termination is ignored)
    attendance("ZZ", "2025-01-07", "present"),  # planted: nobody is called ZZ
    attendance("A1", "2025-01-31", "present"),
]

LEAVE = [
    {"leave_id": "L1", "employee_id": "A1", "leave_type": "annual", "start_date": D("2025-01-27"),
     "end_date": D("2025-01-31"), "days": 3, "status": "approved"},
    {"leave_id": "L2", "employee_id": "A2", "leave_type": "annual", "start_date": D("2025-01-08"),
     "end_date": D("2025-01-09"), "days": 2, "status": "approved"},  # planted: before A2's hire
    {"leave_id": "L3", "employee_id": "ZZ", "leave_type": "sick", "start_date": D("2025-01-14"),
     "end_date": D("2025-01-14"), "days": 1, "status": "approved"},  # planted: unknown id
    {"leave_id": "L4", "employee_id": "A1", "leave_type": "annual", "start_date": D("2024-12-30"),
     "end_date": D("2025-01-02"), "days": 3, "status": "approved"},  # starts before the window
    {"leave_id": "L5", "employee_id": "A1", "leave_type": "annual", "start_date": D("2025-02-03"),
     "end_date": D("2025-02-04"), "days": 2, "status": "approved"},  # after the window
    {"leave_id": "L6", "employee_id": "A1", "leave_type": "annual", "start_date": D("2025-01-22"),
     "end_date": D("2025-01-20"), "days": 1, "status": "approved"},  # ends before it starts
]  # fmt: skip

TRAINING = [
    {"training_id": "T1", "employee_id": "A2", "start_date": D("2025-01-21"), "hours": 8, "cost_idr": 1_500_000},
    {"training_id": "T2", "employee_id": "A5", "start_date": D("2025-01-15"), "hours": 4, "cost_idr": None},
    # planted: nobody is called XX
    {"training_id": "T3", "employee_id": "XX", "start_date": D("2025-01-15"), "hours": 2, "cost_idr": 100_000},
]

REQUISITIONS = [
    {"requisition_id": "Q1", "department_id": "D2", "opened_date": D("2024-12-01"),
     "first_candidate_applied_date": D("2024-12-10"), "offer_accepted_date": D("2025-01-05"),
     "filled_date": D("2025-01-13"), "status": "filled", "hired_employee_id": "A2"},
    {"requisition_id": "Q2", "department_id": "D1", "opened_date": D("2025-01-02"),
     "first_candidate_applied_date": D("2025-01-04"), "offer_accepted_date": None, "filled_date": None,
     "status": "open", "hired_employee_id": None},
    {"requisition_id": "Q3", "department_id": "D1", "opened_date": D("2024-11-20"),
     "first_candidate_applied_date": None, "offer_accepted_date": D("2024-12-28"), "filled_date": None,
     "status": "filled", "hired_employee_id": "A4"},
]  # fmt: skip


@pytest.fixture(scope="module")
def con():
    import duckdb

    con = duckdb.connect()
    settings = Settings(reporting_months=1, privacy_min_group_size=1, work_week_days=5)
    load_reference(con)
    # planted: the country profile lacks the hourly divisor, so the pay gap cannot be computed
    con.execute("delete from reference.labour_parameters where parameter = 'overtime_hourly_divisor'")
    create_staging(con, "hris__job_history", EVENTS)
    create_staging(con, "hris__employees", MASTER)
    create_staging(con, "hris__departments", DEPARTMENTS)
    create_staging(con, "hris__attendance", ATTENDANCE)
    create_staging(con, "hris__leave", LEAVE)
    create_staging(con, "hris__training", TRAINING)
    create_staging(con, "hris__requisitions", REQUISITIONS)
    create_staging(con, "hris__pay_bands", [
        {"grade": "G1", "min_idr": 6_000_000, "mid_idr": 8_000_000, "max_idr": 10_000_000,
         "effective_from": D("2024-01-01")}
    ])  # fmt: skip
    run_models(con, settings, *HR_CORE, *CORE_MODELS)
    yield con
    con.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_departments_carry_their_hierarchy(con):
    got = {r[0]: r[1:] for r in rows(con, "select department_id, level, path, top_department_id, "
                                          "parent_department_name, is_in_master, has_broken_parent "
                                          "from core.dim_department")}  # fmt: skip
    assert got["D1"] == (1, "D1", "D1", None, True, False)
    assert got["D2"] == (2, "D1 > D2", "D1", "Head office", True, False)
    assert got["D3"] == (3, "D1 > D2 > D3", "D1", "Operations", True, False)
    # the loop D4 <-> D5 stops where it repeats; the orphan stops at itself
    assert got["D4"] == (2, "D5 > D4", "D5", "Loop B", True, True)
    assert got["D6"] == (1, "D6", "D6", None, True, True)
    # named by A3's history only: kept so headcount by department loses nobody
    assert got["D9"] == (1, "D9", "D9", None, False, False)


def test_attendance_is_placed_in_the_department_of_the_day(con):
    got = {(e, d.isoformat()): r for e, d, *r in rows(con, """
        select employee_id, attendance_date, department_id, is_employed_on_day, is_known_employee,
               is_working_day, is_scheduled_day, is_unplanned_absence, hours_overtime, hours_clocked
        from core.fct_attendance_daily""")}  # fmt: skip
    assert got[("A2", "2025-01-13")] == ["D2", True, True, True, True, True, 0, None]  # sick, before the transfer
    assert got[("A2", "2025-01-20")] == ["D3", True, True, True, True, False, 2, None]  # after the transfer
    assert got[("A1", "2025-01-06")][-1] == 9.5  # 08:00 to 17:30
    # annual leave on a public holiday: neither a working day nor scheduled
    assert got[("A1", "2025-01-01")][3:5] == [False, False]
    # not employed that day / unknown id: kept, without department, never scheduled
    assert got[("A2", "2025-01-10")][:3] == [None, False, True]
    assert got[("A4", "2025-01-03")][:3] == [None, False, True]
    assert got[("ZZ", "2025-01-07")][:3] == [None, False, False]


def test_leave_counts_working_days_of_the_calendar(con):
    got = {r[0]: r[1:] for r in rows(con, """
        select leave_id, department_id, days_requested, n_calendar_days_in_window, n_working_days_in_window,
               is_employed_on_start
        from core.fct_leave""")}  # fmt: skip
    # Jan 27-31: 27 and 29 are public holidays, 28 (collective leave) is a working day -> 3 working days of 5
    assert got["L1"] == ("D1", 3, 5, 3, True)
    # Dec 30 - Jan 2: only Jan 1-2 are in the window, Jan 1 is a holiday -> 1 working day of 2 calendar days
    assert got["L4"] == ("D1", 3, 2, 1, True)
    # no day of the window: after it, or a request that ends before it starts
    assert got["L5"][2:4] == (0, 0) and got["L6"][2:4] == (0, 0)
    assert got["L2"][0] is None and got["L2"][-1] is False


def test_training_and_requisitions(con):
    training = {r[0]: r[1:] for r in rows(con, "select training_id, department_id, hours_training, cost_idr, "
                                               "is_employed_on_start from core.fct_training")}  # fmt: skip
    assert training["T1"] == ("D3", 8, 1_500_000, True)  # A2 after the transfer
    assert training["T2"] == ("D1", 4, 0, True)  # A5 is in the history, so employed; no cost given
    assert training["T3"] == (None, 2, 100_000, False)
    reqs = {r[0]: r[1:] for r in rows(con, "select requisition_id, is_filled, filled_period, days_to_fill, "
                                           "days_to_hire from core.fct_requisition")}  # fmt: skip
    # Q1: opened Dec 1, applied Dec 10, offer Jan 5: fill = 31 - 1 + 5 = 35 days, hire = 31 - 10 + 5 = 26 days
    assert reqs["Q1"] == (True, D("2025-01-01"), 35, 26)
    assert reqs["Q2"] == (False, None, None, None)
    # Q3 is filled without a start date: it counts in the month of the offer; Nov 20 -> Dec 28 = 38 days
    assert reqs["Q3"] == (True, D("2024-12-01"), 38, None)


def test_findings_explain_every_planted_defect(con):
    got = {(code, key): (severity, description) for code, key, severity, description in rows(
        con, "select finding_code, record_key, severity, description from marts.hr_data_findings")}  # fmt: skip
    assert set(got) == {
        ("attendance_not_employed", "A2@2025-01-10"),
        ("attendance_not_employed", "A4@2025-01-03"),
        ("attendance_unknown_employee", "ZZ@2025-01-07"),
        ("leave_not_employed", "L2"),
        ("leave_unknown_employee", "L3"),
        ("training_unknown_employee", "T3"),
        ("job_event_before_first_hire", "5"),
        ("employee_not_in_master", "A5"),
        ("employee_without_gender", "A3"),
        ("department_not_in_master", "D9"),
        ("department_broken_parent", "D4"),
        ("department_broken_parent", "D5"),
        ("department_broken_parent", "D6"),
        ("manager_unknown", "A3>M404"),
        ("reference_parameter_missing", "overtime_hourly_divisor@2025-01"),
    }
    severity, sentence = got[("job_event_before_first_hire", "5")]
    assert severity == "error"
    assert sentence == (
        "Job event 5 (termination on 2024-12-31) is before A4's first hire on 2025-01-06; the employee history "
        "ignores it. Correct the event date or the hire date."
    )
    assert "not employed that day" in got[("attendance_not_employed", "A2@2025-01-10")][1]


def test_the_early_termination_does_not_end_the_later_employment(con):
    # A4's bogus termination is ignored, so A4 is in the January period-end headcount of D1 (A1, A4, A5)
    got = rows(con, "select value from marts.kpi_hr__workforce where department_id = 'D1' "
                    "and kpi_code = 'headcount_period_end'")  # fmt: skip
    assert got == [(3,)]


def test_no_reference_divisor_means_no_pay_gap_rather_than_a_wrong_one(con):
    # men A1, A4 and a woman A2 at Jan 31 (minimum group 1), but no hourly divisor in force
    got = rows(con, "select value from marts.kpi_hr__pay where department_id = 'ALL' "
                    "and kpi_code = 'gender_pay_gap_mean_pct'")  # fmt: skip
    assert got == [(None,)]
