"""Every HR KPI on a ten-person company over 14 months (January 2024 to February 2025), worked out by hand.

Departments D1, D2 and D3 (D3 has one person, so it is a small group). Settings: 5-day week, minimum group
size 2. January 2025 has 31 days and 20 working days (23 weekdays less the public holidays on Jan 1, 27 and 29;
Jan 28 is collective leave, still a working day). February 2025 has 28 days.

  E1  M  D1  hired 2020-01-01, no manager, G3, base 20,000,000 + allowance 2,000,000; stays.
  E2  F  D1  hired 2024-01-15 (mid-month), manager E1, G1 7,000,000; leaves 2024-09-20 (voluntary).
  E3  M  D1  hired 2024-01-02, manager E1, G1 8,000,000 + 1,000,000; stays.
  E4  F  D1  hired 2022-03-01, manager E1, G2 11,000,000; leaves 2025-01-15 (mid-month, voluntary);
             REHIRED 2025-02-10 (mid-month) into D2, manager E5, G1 9,000,000.
  E5  F  D2  hired 2021-05-01, manager E1, G3 18,000,000 + 2,000,000; stays.
  E6  M  D2  hired 2023-06-01, manager E5, G2 10,000,000; TRANSFERRED to D1 on 2025-01-20, manager E1,
             G2 12,000,000 + 1,000,000.
  E7  M  D2  hired 2025-01-20 (mid-month), manager E5, grade G9 (no pay band) 7,000,000.
  E8  F  D2  hired 2024-02-01, manager E5, G1 7,500,000; leaves 2025-01-31 (month end, involuntary).
  E9  M  D2  hired 2019-01-01, manager E5, G2 9,000,000; leaves 2024-05-10 (other).
  E10 M  D3  hired 2019-01-01, no manager, G2 10,000,000; stays.

Active employee-days (the average daily headcount is these / calendar days):
  2024-05 (31): D1 E1+E2+E3+E4 = 124; D2 E5+E6+E8 = 93 + E9 10 (1-10) = 103; D3 31; ALL 258
  2024-09 (30): D1 E1+E3+E4 = 90 + E2 20 (1-20) = 110; D2 E5+E6+E8 = 90; D3 30; ALL 230
  2025-01 (31): D1 E1 31 + E3 31 + E4 15 (1-15) + E6 12 (20-31) = 89
                D2 E5 31 + E6 19 (1-19) + E7 12 (20-31) + E8 31 = 93; D3 31; ALL 213
  2025-02 (28): D1 E1+E3+E6 = 84; D2 E5 28 + E7 28 + E4 19 (10-28) = 75; D3 28; ALL 187
Planted defects (commented where planted): attendance for E4 the day after she left, a training for E2
after she left, a requisition filled by an unknown id, an application after the offer, E7's grade with no band.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import HR_CORE, create_staging, load_reference, run_models

from assets.kpi.assets import build_kpi_values
from assets.kpi.registry import registry_models
from pipelines.settings import Settings

D = dt.date.fromisoformat
MIN_GROUP = 2
DIVISOR = 173  # reference.labour_parameters overtime_hourly_divisor

HR_MODELS = (
    "assets/hr/sql/fct_attendance_daily.sql",
    "assets/hr/sql/fct_training.sql",
    "assets/hr/sql/fct_requisition.sql",
    "assets/hr/sql/dim_department.sql",
    "assets/hr/sql/fct_leave.sql",
    "assets/hr/sql/hr_data_findings.sql",
    "assets/kpi/sql/kpi_hr__workforce.sql",
    "assets/kpi/sql/kpi_hr__movements.sql",
    "assets/kpi/sql/kpi_hr__turnover.sql",
    "assets/kpi/sql/kpi_hr__attendance.sql",
    "assets/kpi/sql/kpi_hr__organisation.sql",
    "assets/kpi/sql/kpi_hr__training.sql",
    "assets/kpi/sql/kpi_hr__recruitment.sql",
    "assets/kpi/sql/kpi_hr__pay.sql",
)


def event(event_id, employee, day, kind, department, manager=None, grade=None, base=None, allowance=0,
          termination_type=None):  # fmt: skip
    return {"event_id": event_id, "employee_id": employee, "event_date": D(day), "event_type": kind,
            "department_id": department, "manager_id": manager, "grade": grade, "employment_type": "PKWTT",
            "base_salary_idr": base, "fixed_allowance_idr": allowance,
            "termination_type": termination_type}  # fmt: skip


EVENTS = [
    event("1", "E1", "2020-01-01", "hire", "D1", None, "G3", 20_000_000, 2_000_000),
    event("2", "E2", "2024-01-15", "hire", "D1", "E1", "G1", 7_000_000),
    event("3", "E2", "2024-09-20", "termination", "D1", "E1", "G1", 7_000_000, 0, "voluntary"),
    event("4", "E3", "2024-01-02", "hire", "D1", "E1", "G1", 8_000_000, 1_000_000),
    event("5", "E4", "2022-03-01", "hire", "D1", "E1", "G2", 11_000_000),
    event("6", "E4", "2025-01-15", "termination", "D1", "E1", "G2", 11_000_000, 0, "voluntary"),
    event("7", "E4", "2025-02-10", "rehire", "D2", "E5", "G1", 9_000_000),
    event("8", "E5", "2021-05-01", "hire", "D2", "E1", "G3", 18_000_000, 2_000_000),
    event("9", "E6", "2023-06-01", "hire", "D2", "E5", "G2", 10_000_000),
    event("10", "E6", "2025-01-20", "transfer", "D1", "E1", "G2", 12_000_000, 1_000_000),
    event("11", "E7", "2025-01-20", "hire", "D2", "E5", "G9", 7_000_000),  # planted: G9 has no pay band
    event("12", "E8", "2024-02-01", "hire", "D2", "E5", "G1", 7_500_000),
    event("13", "E8", "2025-01-31", "termination", "D2", "E5", "G1", 7_500_000, 0, "involuntary"),
    event("14", "E9", "2019-01-01", "hire", "D2", "E5", "G2", 9_000_000),
    event("15", "E9", "2024-05-10", "termination", "D2", "E5", "G2", 9_000_000, 0, "other"),
    event("16", "E10", "2019-01-01", "hire", "D3", None, "G2", 10_000_000),
]
GENDER = {"E1": "M", "E2": "F", "E3": "M", "E4": "F", "E5": "F", "E6": "M", "E7": "M", "E8": "F", "E9": "M",
          "E10": "M"}  # fmt: skip

# 2024 and 2025 pay bands (midpoints are what the compa-ratio uses)
BANDS = [
    {"grade": g, "min_idr": lo, "mid_idr": mid, "max_idr": hi, "effective_from": D(f), "effective_to": t and D(t)}
    for g, lo, mid, hi, f, t in [
        ("G1", 6_000_000, 7_500_000, 9_000_000, "2024-01-01", "2024-12-31"),
        ("G2", 8_000_000, 9_500_000, 11_000_000, "2024-01-01", "2024-12-31"),
        ("G3", 15_000_000, 19_000_000, 23_000_000, "2024-01-01", "2024-12-31"),
        ("G1", 6_500_000, 8_000_000, 9_500_000, "2025-01-01", None),
        ("G2", 8_500_000, 10_000_000, 11_500_000, "2025-01-01", None),
        ("G3", 16_000_000, 20_000_000, 24_000_000, "2025-01-01", None),
    ]
]


def attendance(employee, day, status, overtime=0):
    return {"employee_id": employee, "attendance_date": D(day), "status": status, "overtime_hours_approved": overtime}


ATTENDANCE = [
    attendance("E1", "2025-01-06", "present"),
    attendance("E1", "2025-01-07", "sick"),
    attendance("E1", "2025-01-08", "annual_leave"),  # planned leave: not a scheduled day
    attendance("E1", "2025-01-11", "present", 4),  # Saturday: rest-day overtime, not a scheduled day
    attendance("E3", "2025-01-06", "present", 2),
    attendance("E3", "2025-01-07", "permit"),
    attendance("E3", "2025-01-28", "collective_leave"),  # planned leave
    attendance("E4", "2025-01-06", "present"),
    attendance("E4", "2025-01-16", "unpaid_absence"),  # planted: E4's last day was the 15th
    attendance("E6", "2025-01-17", "sick"),  # still in D2 (transfer on the 20th)
    attendance("E6", "2025-01-20", "present", 1.5),  # in D1 from today
    attendance("E8", "2025-01-06", "unpaid_absence"),
    attendance("E5", "2025-01-06", "present"),
    attendance("E5", "2025-01-27", "present", 3),  # public holiday (Isra Mi'raj): overtime only
    attendance("E10", "2025-02-28", "present"),  # the data end: the window is 2024-01 .. 2025-02
]

TRAINING = [
    {"training_id": "T1", "employee_id": "E1", "start_date": D("2025-01-10"), "hours": 8, "cost_idr": 2_000_000},
    {"training_id": "T2", "employee_id": "E6", "start_date": D("2025-01-22"), "hours": 4, "cost_idr": 1_000_000},
    {"training_id": "T3", "employee_id": "E7", "start_date": D("2025-01-25"), "hours": 6, "cost_idr": 600_000},
    # planted: E2 left on 2024-09-20
    {"training_id": "T4", "employee_id": "E2", "start_date": D("2025-01-05"), "hours": 3, "cost_idr": 900_000},
]


def requisition(rid, department, opened, applied, offer, filled, status, hired):
    return {"requisition_id": rid, "department_id": department, "opened_date": D(opened),
            "first_candidate_applied_date": applied and D(applied), "offer_accepted_date": offer and D(offer),
            "filled_date": filled and D(filled), "status": status, "hired_employee_id": hired}  # fmt: skip


REQUISITIONS = [
    requisition("R1", "D2", "2024-12-01", "2024-12-05", "2025-01-05", "2025-01-20", "filled", "E7"),
    requisition("R2", "D1", "2024-12-01", None, "2025-01-10", "2025-01-31", "filled", "E99"),  # planted: unknown
    requisition("R3", "D2", "2025-01-01", "2025-01-03", "2025-01-31", "2025-02-10", "filled", "E4"),
    requisition("R4", "D1", "2025-02-01", "2025-02-03", None, None, "open", None),
    # planted: first application after the offer
    requisition("R5", "D3", "2025-01-02", "2025-02-05", "2025-02-01", "2025-02-15", "filled", None),
]


@pytest.fixture(scope="module")
def warehouse():
    import duckdb

    con = duckdb.connect()
    settings = Settings(reporting_months=14, privacy_min_group_size=MIN_GROUP, work_week_days=5)
    load_reference(con)
    create_staging(con, "hris__job_history", EVENTS)
    create_staging(con, "hris__employees", [
        {"employee_id": e, "gender": g, "hire_date": D("2019-01-01"), "department_id": "D1",
         "employment_type": "PKWTT"} for e, g in GENDER.items()
    ])  # fmt: skip
    create_staging(con, "hris__departments", [
        {"department_id": d, "department_name": f"Dept {d}"} for d in ("D1", "D2", "D3")
    ])  # fmt: skip
    create_staging(con, "hris__attendance", ATTENDANCE)
    create_staging(con, "hris__leave", [])
    create_staging(con, "hris__training", TRAINING)
    create_staging(con, "hris__requisitions", REQUISITIONS)
    create_staging(con, "hris__pay_bands", BANDS)
    run_models(con, settings, *HR_CORE, *HR_MODELS)
    # KPI models of other domains are not part of this fixture: give them empty tables so the union runs
    built = {path.rsplit("/", 1)[1].removesuffix(".sql") for path in HR_MODELS}
    for model in set(registry_models()) - built:
        con.execute(f"create table marts.{model} (period date, department_id varchar, kpi_code varchar, "
                    "value double, numerator double, denominator double)")  # fmt: skip
    build_kpi_values(con, settings)
    yield con
    con.close()


@pytest.fixture(scope="module")
def kpis(warehouse):
    rows = warehouse.execute(
        "select period, department_id, kpi_code, value, numerator, denominator, is_small_group from marts.kpi_values"
    ).fetchall()
    return {(p.isoformat()[:7], d, k): (v, n, den, small) for p, d, k, v, n, den, small in rows}


def value(kpis, period, department, code):
    return kpis[(period, department, code)][0]


def parts(kpis, period, department, code):
    """(numerator, denominator) of one KPI row."""
    return kpis[(period, department, code)][1:3]


HR_CODES = {
    "headcount_period_end", "headcount_avg_daily", "fte", "new_hires", "rehires", "separations",
    "separations_voluntary", "separations_involuntary", "separations_other", "turnover_rate_monthly_pct",
    "turnover_rate_annual_pct", "retention_rate_pct", "first_year_attrition_pct", "absenteeism_rate_pct",
    "overtime_hours_per_employee", "avg_tenure_years", "training_hours_per_employee",
    "training_cost_per_employee_idr", "time_to_fill_days", "time_to_hire_days", "span_of_control",
    "gender_pay_gap_mean_pct", "gender_pay_gap_median_pct", "compa_ratio",
}  # fmt: skip


def test_every_hr_code_has_a_row_for_every_department_and_month(kpis):
    months = [f"{y}-{m:02d}" for y, m in [(2024, m) for m in range(1, 13)] + [(2025, 1), (2025, 2)]]
    expected = {(p, d, k) for p in months for d in ("D1", "D2", "D3", "ALL") for k in HR_CODES}
    assert expected <= set(kpis)  # 14 months x 4 groups x 24 codes


# -- movements: new hires, rehires, separations by type ---------------------------------------------------------
def test_new_hires_count_first_hires_and_rehires_by_hire_department(kpis):
    assert value(kpis, "2024-01", "D1", "new_hires") == 2  # E2 (15th) and E3 (2nd)
    assert value(kpis, "2025-01", "D2", "new_hires") == 1  # E7, mid-month
    assert value(kpis, "2025-01", "D1", "new_hires") == 0  # E6's transfer into D1 is not a hire
    assert value(kpis, "2025-02", "D2", "new_hires") == 1  # E4's rehire
    assert value(kpis, "2025-02", "ALL", "new_hires") == 1


def test_rehires_flag_the_second_spell(kpis):
    assert value(kpis, "2025-02", "D2", "rehires") == 1  # E4
    assert value(kpis, "2025-01", "D2", "rehires") == 0  # E7 is a first hire


def test_separations_split_by_type_and_add_up(kpis):
    assert value(kpis, "2025-01", "D1", "separations_voluntary") == 1  # E4, mid-month
    assert value(kpis, "2025-01", "D2", "separations_involuntary") == 1  # E8, last day the 31st
    assert value(kpis, "2024-05", "D2", "separations_other") == 1  # E9
    assert value(kpis, "2024-09", "D1", "separations_voluntary") == 1  # E2
    assert value(kpis, "2025-01", "ALL", "separations_voluntary") == 1
    assert value(kpis, "2025-01", "ALL", "separations_involuntary") == 1
    assert value(kpis, "2025-01", "ALL", "separations_other") == 0
    for period in ("2024-05", "2024-09", "2025-01", "2025-02"):
        split = sum(value(kpis, period, "ALL", f"separations_{t}") for t in ("voluntary", "involuntary", "other"))
        assert split == value(kpis, period, "ALL", "separations")


# -- turnover, annual (SHRM: sum of the monthly rates) --------------------------------------------------------
def test_annual_turnover_sums_twelve_monthly_rates(kpis):
    # Mar 2024 .. Feb 2025; separations only in May 2024 (E9), Sep 2024 (E2) and Jan 2025 (E4, E8)
    all_ = 1 / (258 / 31) * 100 + 1 / (230 / 30) * 100 + 2 / (213 / 31) * 100  # 12.02 + 13.04 + 29.11
    assert value(kpis, "2025-02", "ALL", "turnover_rate_annual_pct") == pytest.approx(all_)
    assert parts(kpis, "2025-02", "ALL", "turnover_rate_annual_pct") == (pytest.approx(all_), 12)
    d1 = 1 / (110 / 30) * 100 + 1 / (89 / 31) * 100  # E2 in Sep, E4 in Jan
    assert value(kpis, "2025-02", "D1", "turnover_rate_annual_pct") == pytest.approx(d1)
    d2 = 1 / (103 / 31) * 100 + 1 / (93 / 31) * 100  # E9 in May, E8 in Jan
    assert value(kpis, "2025-02", "D2", "turnover_rate_annual_pct") == pytest.approx(d2)
    assert value(kpis, "2025-02", "D3", "turnover_rate_annual_pct") == 0


def test_annual_turnover_is_annualised_linearly_before_twelve_months_exist(kpis):
    # May 2024 is the 5th month of the window: (0 + 0 + 0 + 0 + May's rate) * 12 / 5
    may = 1 / (258 / 31) * 100
    assert value(kpis, "2024-05", "ALL", "turnover_rate_annual_pct") == pytest.approx(may * 12 / 5)
    assert parts(kpis, "2024-05", "ALL", "turnover_rate_annual_pct") == (pytest.approx(may), 5)


# -- retention and first-year attrition --------------------------------------------------------------------------
def test_retention_counts_people_present_on_the_first_day(kpis):
    # Jan 1 2025: D1 E1, E3, E4 -> E4 leaves on the 15th: 2/3. D2 E5, E6, E8 -> E6 transferred (retained),
    # E8's last day is the 31st (not retained): 2/3. D3 E10: 1/1. E7 (hired mid-month) is not in the base.
    assert value(kpis, "2025-01", "D1", "retention_rate_pct") == pytest.approx(2 / 3 * 100)
    assert value(kpis, "2025-01", "D2", "retention_rate_pct") == pytest.approx(2 / 3 * 100)
    assert value(kpis, "2025-01", "ALL", "retention_rate_pct") == pytest.approx(5 / 7 * 100)
    assert parts(kpis, "2025-01", "ALL", "retention_rate_pct") == (5, 7)
    # Feb 1 2025: E1, E3, E6, E5, E7, E10 all stay; E4's rehire on the 10th is not in the base
    assert parts(kpis, "2025-02", "ALL", "retention_rate_pct") == (6, 6)
    assert value(kpis, "2025-02", "ALL", "retention_rate_pct") == 100


def test_first_year_attrition_only_for_mature_cohorts(kpis):
    # last month 2025-02. Cohort 2024-01 (mature: 2024-01 + 12 months = 2025-01 <= 2025-02): E2 (left
    # 2024-09-20, before her anniversary 2025-01-15) and E3 (stays) -> 1/2
    assert value(kpis, "2024-01", "D1", "first_year_attrition_pct") == 50
    assert parts(kpis, "2024-01", "ALL", "first_year_attrition_pct") == (1, 2)
    # cohort 2024-02: E8, last day 2025-01-31 is before the anniversary 2025-02-01 -> 1/1
    assert value(kpis, "2024-02", "D2", "first_year_attrition_pct") == 100
    # no hires: no rate
    assert value(kpis, "2024-01", "D2", "first_year_attrition_pct") is None
    # cohort 2025-01 (E7) is not mature: value and numerator null, the cohort size stays visible
    assert value(kpis, "2025-01", "D2", "first_year_attrition_pct") is None
    assert parts(kpis, "2025-01", "D2", "first_year_attrition_pct") == (None, 1)


# -- attendance: FTE, absenteeism, overtime --------------------------------------------------------------------
def test_fte_is_paid_hours_over_standard_hours(kpis):
    # 20 working days x 8 h (normal_hours_day_5day_week) = 160 standard hours.
    # Working days employed: Jan 1-15 = 10 (Jan 1 holiday), Jan 20-31 = 8 (27, 29 holidays), Jan 1-19 = 12.
    # D1: E1 20 + E3 20 + E4 10 + E6 8 = 58 days (E4's unpaid day on the 16th is after she left)
    assert value(kpis, "2025-01", "D1", "fte") == pytest.approx(58 * 8 / 160)  # 2.9
    assert parts(kpis, "2025-01", "D1", "fte") == (464, 160)
    # D2: E5 20 + E6 12 + E7 8 + E8 (20 - 1 unpaid absence on the 6th) 19 = 59 days
    assert value(kpis, "2025-01", "D2", "fte") == pytest.approx(59 * 8 / 160)  # 2.95
    assert value(kpis, "2025-01", "D3", "fte") == pytest.approx(1.0)
    assert value(kpis, "2025-01", "ALL", "fte") == pytest.approx((58 + 59 + 20) * 8 / 160)  # 6.85


def test_absenteeism_is_unplanned_absence_over_scheduled_working_days(kpis):
    # D1 scheduled: E1 6th, 7th (sick); E3 6th, 7th (permit); E4 6th; E6 20th = 6 days, 2 absent.
    # Not scheduled: E1 annual leave (8th) and Saturday (11th), E3 collective leave (28th); E4's 16th is
    # after she left.
    assert value(kpis, "2025-01", "D1", "absenteeism_rate_pct") == pytest.approx(2 / 6 * 100)
    assert parts(kpis, "2025-01", "D1", "absenteeism_rate_pct") == (2, 6)
    # D2: E6 17th (sick, before his transfer), E8 6th (unpaid), E5 6th = 3 days, 2 absent; E5's 27th is a holiday
    assert value(kpis, "2025-01", "D2", "absenteeism_rate_pct") == pytest.approx(2 / 3 * 100)
    assert value(kpis, "2025-01", "ALL", "absenteeism_rate_pct") == pytest.approx(4 / 9 * 100)
    assert value(kpis, "2025-01", "D3", "absenteeism_rate_pct") is None  # no attendance rows: no base


def test_overtime_hours_per_employee_uses_average_daily_headcount(kpis):
    # D1: E1 4 h (Saturday) + E3 2 h + E6 1.5 h (on his first day in D1) = 7.5 h over 89/31 people
    assert value(kpis, "2025-01", "D1", "overtime_hours_per_employee") == pytest.approx(7.5 / (89 / 31))
    # D2: E5 3 h on the holiday over 93/31 = 3 people
    assert value(kpis, "2025-01", "D2", "overtime_hours_per_employee") == pytest.approx(1.0)
    assert value(kpis, "2025-01", "ALL", "overtime_hours_per_employee") == pytest.approx(10.5 / (213 / 31))


# -- organisation: tenure, span of control ----------------------------------------------------------------------
def years(start, end):
    return (D(end) - D(start)).days / 365.25


def test_average_tenure_at_month_end_restarts_at_a_rehire(kpis):
    # Jan 31 2025 in D1: E1 (2020-01-01), E3 (2024-01-02), E6 (2023-06-01; transferred in, service kept)
    d1 = (years("2020-01-01", "2025-01-31") + years("2024-01-02", "2025-01-31") + years("2023-06-01", "2025-01-31")) / 3
    assert value(kpis, "2025-01", "D1", "avg_tenure_years") == pytest.approx(d1)
    # Feb 28 2025 in D2: E5 (2021-05-01), E7 (2025-01-20), E4 rehired 2025-02-10 (18 days, not since 2022)
    d2 = (years("2021-05-01", "2025-02-28") + years("2025-01-20", "2025-02-28") + years("2025-02-10", "2025-02-28")) / 3
    assert value(kpis, "2025-02", "D2", "avg_tenure_years") == pytest.approx(d2)


def test_span_of_control_counts_direct_reports_by_the_managers_department(kpis):
    # Jan 31 2025 headcount: E1 (D1, no manager), E3 -> E1, E6 -> E1, E5 (D2) -> E1, E7 -> E5, E10 (no manager)
    # E1 (in D1) has 3 reports, E5 (in D2) has 1; E4 and E8 have left.
    assert value(kpis, "2025-01", "D1", "span_of_control") == 3
    assert value(kpis, "2025-01", "D2", "span_of_control") == 1
    assert value(kpis, "2025-01", "D3", "span_of_control") is None  # no manager
    assert parts(kpis, "2025-01", "ALL", "span_of_control") == (4, 2)
    # Feb 28: E4 (rehired) reports to E5 -> D2 2/1, ALL 5/2
    assert value(kpis, "2025-02", "D2", "span_of_control") == 2
    assert value(kpis, "2025-02", "ALL", "span_of_control") == 2.5


# -- training and recruitment ------------------------------------------------------------------------------------
def test_training_per_employee_by_department_on_the_start_date(kpis):
    # D1: E1 8 h / Rp2,000,000 and E6 4 h / Rp1,000,000 (after his transfer); E2's training is after she left
    assert value(kpis, "2025-01", "D1", "training_hours_per_employee") == pytest.approx(12 / (89 / 31))
    assert value(kpis, "2025-01", "D1", "training_cost_per_employee_idr") == pytest.approx(3_000_000 / (89 / 31))
    # D2: E7 6 h / Rp600,000 over 3 people
    assert value(kpis, "2025-01", "D2", "training_hours_per_employee") == pytest.approx(2.0)
    assert value(kpis, "2025-01", "D2", "training_cost_per_employee_idr") == pytest.approx(200_000)
    assert value(kpis, "2025-01", "ALL", "training_hours_per_employee") == pytest.approx(18 / (213 / 31))
    assert parts(kpis, "2025-01", "ALL", "training_cost_per_employee_idr") == (3_600_000, pytest.approx(213 / 31))


def test_time_to_fill_and_time_to_hire_over_requisitions_filled_in_the_month(kpis):
    # January fills: R1 (D2) opened Dec 1, applied Dec 5, offer Jan 5 -> fill 35, hire 31
    #                R2 (D1) opened Dec 1, offer Jan 10, no application date -> fill 40, no hire time
    assert value(kpis, "2025-01", "D2", "time_to_fill_days") == 35
    assert value(kpis, "2025-01", "D2", "time_to_hire_days") == 31
    assert value(kpis, "2025-01", "D1", "time_to_fill_days") == 40
    assert value(kpis, "2025-01", "D1", "time_to_hire_days") is None
    assert value(kpis, "2025-01", "ALL", "time_to_fill_days") == (35 + 40) / 2
    assert parts(kpis, "2025-01", "ALL", "time_to_hire_days") == (31, 1)
    # February fills: R3 (D2) opened Jan 1, applied Jan 3, offer Jan 31 -> 30 and 28;
    #                 R5 (D3) opened Jan 2, offer Feb 1 -> fill 30; its application (Feb 5) is after the offer
    assert value(kpis, "2025-02", "ALL", "time_to_fill_days") == 30
    assert value(kpis, "2025-02", "ALL", "time_to_hire_days") == 28
    assert value(kpis, "2025-02", "D3", "time_to_hire_days") is None
    assert parts(kpis, "2025-02", "D1", "time_to_fill_days") == (0, 0)  # R4 is still open


# -- pay: gender pay gap on hourly pay, compa-ratio --------------------------------------------------------------
def test_gender_pay_gap_on_hourly_pay_for_the_company(kpis):
    # Feb 28 2025, hourly pay = (base + fixed allowance) / 173:
    #   men   E1 22,000,000  E3 9,000,000  E6 13,000,000  E7 7,000,000  E10 10,000,000
    #   women E5 20,000,000  E4 9,000,000 (rehired)
    men = [22_000_000 / DIVISOR, 9_000_000 / DIVISOR, 13_000_000 / DIVISOR, 7_000_000 / DIVISOR, 10_000_000 / DIVISOR]
    women = [20_000_000 / DIVISOR, 9_000_000 / DIVISOR]
    mean_m, mean_f = sum(men) / 5, sum(women) / 2  # 12,200,000 and 14,500,000 a month
    assert value(kpis, "2025-02", "ALL", "gender_pay_gap_mean_pct") == pytest.approx((mean_m - mean_f) / mean_m * 100)
    assert parts(kpis, "2025-02", "ALL", "gender_pay_gap_mean_pct") == (
        pytest.approx(mean_m - mean_f), pytest.approx(mean_m))  # fmt: skip
    median_m, median_f = 10_000_000 / DIVISOR, (20_000_000 + 9_000_000) / 2 / DIVISOR
    assert value(kpis, "2025-02", "ALL", "gender_pay_gap_median_pct") == pytest.approx(
        (median_m - median_f) / median_m * 100)  # -45%  # fmt: skip


def test_gender_pay_gap_is_suppressed_below_the_minimum_group(kpis):
    # Feb: D1 has no woman, D2 one man (E7), D3 one man; Jan 31: the company has one woman (E8 left on the 31st)
    for period, department in [("2025-02", "D1"), ("2025-02", "D2"), ("2025-02", "D3"), ("2025-01", "ALL")]:
        for code in ("gender_pay_gap_mean_pct", "gender_pay_gap_median_pct"):
            assert kpis[(period, department, code)][:3] == (None, None, None), (period, department, code)


def test_compa_ratio_is_total_pay_over_total_midpoints(kpis):
    # Feb 28 2025, 2025 bands (mid G1 8,000,000, G2 10,000,000, G3 20,000,000):
    # D1: E1 20/20 + E3 8/8 + E6 12/10 (millions) = 40/38
    assert value(kpis, "2025-02", "D1", "compa_ratio") == pytest.approx(40 / 38)
    # D2: E5 18/20 + E4 9/8 = 27/28; E7's G9 has no band and is left out
    assert value(kpis, "2025-02", "D2", "compa_ratio") == pytest.approx(27 / 28)
    # ALL adds E10 10/10: 77/76
    assert parts(kpis, "2025-02", "ALL", "compa_ratio") == (77_000_000, 76_000_000)
    # Dec 31 2024 uses the 2024 bands (mid G1 7,500,000, G2 9,500,000, G3 19,000,000):
    # D1: E1 20/19 + E3 8/7.5 + E4 11/9.5 = 39/36
    assert value(kpis, "2024-12", "D1", "compa_ratio") == pytest.approx(39 / 36)


def test_compa_ratio_is_suppressed_below_the_minimum_group(kpis):
    assert kpis[("2025-02", "D3", "compa_ratio")][:3] == (None, None, None)  # E10 alone
    assert kpis[("2025-01", "D2", "compa_ratio")][:3] == (None, None, None)  # E5 only (E7 has no band)


# -- small groups (item 6) ---------------------------------------------------------------------------------------
def test_rates_of_small_groups_are_flagged(kpis):
    # D3 averages 1 person < minimum 2; D1 and the company do not
    for code in ("absenteeism_rate_pct", "fte", "retention_rate_pct", "turnover_rate_annual_pct"):
        assert kpis[("2025-01", "D3", code)][3] is True
        assert kpis[("2025-01", "D1", code)][3] is False
        assert kpis[("2025-01", "ALL", code)][3] is False


# -- bad input: explained, never counted -------------------------------------------------------------------------
def test_rows_left_out_of_the_kpis_are_explained(warehouse):
    rows = warehouse.execute("select finding_code, record_key, description from marts.hr_data_findings").fetchall()
    found = {(code, key) for code, key, _ in rows}
    assert found == {
        ("attendance_not_employed", "E4@2025-01-16"),
        ("training_not_employed", "T4"),
        ("requisition_hired_employee_unknown", "R2"),
        ("requisition_applied_after_offer", "R5"),
        ("grade_without_pay_band", "E7@2025-01"),
        ("grade_without_pay_band", "E7@2025-02"),
    }
    assert all(description.endswith(".") and len(description) > 60 for _, _, description in rows)
