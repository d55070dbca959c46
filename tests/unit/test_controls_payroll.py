"""Payroll and HR controls and the Indonesian compliance rules on tiny companies: each test plants one case and a
look-alike that is legitimate, and works the expected finding out by hand.

Every company has departments D1 and D2 (work region ID-JK) and a full-time employee E01 present on every weekday of
the data (so the attendance export covers the months). Pay runs are PR-YYYY-MM paid on the 25th. January 2025 has
23 weekdays; 1, 27 and 29 January are public holidays (reference.holidays), so 20 working days.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fixtures.warehouse import HR_CORE, PAYSLIP_CORE, create_staging, load_reference, run_models

from assets.controls.runner import build_controls
from pipelines.settings import Settings

D = dt.date.fromisoformat
HR_MODELS = (*HR_CORE, "assets/hr/sql/dim_department.sql", "assets/hr/sql/fct_attendance_daily.sql",
             "assets/hr/sql/fct_leave.sql")  # fmt: skip
COMPONENTS = [("BASIC", "earning", "basic"), ("ALW_FIXED", "earning", "allowance_fixed"),
              ("OVERTIME", "earning", "overtime"), ("THR", "earning", "thr"), ("PPH21", "tax", "pph21")]  # fmt: skip
PAY_BANDS = [("G2", 5_900_000, 8_900_000, "2024-01-01", "2024-12-31"), ("G2", 6_200_000, 9_500_000, "2025-01-01", None)]


def person(eid, hire, last_day=None, *, dept="D1", grade="G2", base=8_000_000, alw=1_000_000, bank=None, tax=None,
           changes=(), kind="PKWTT", contract_end=None, renewals=()):  # fmt: skip
    """An employee: hire (and termination) events, (date, base) salary changes, (date, new end) PKWT renewals,
    and the master row."""
    state = {"department_id": dept, "grade": grade, "employment_type": kind, "fixed_allowance_idr": alw,
             "contract_end_date": D(contract_end) if contract_end else None}  # fmt: skip
    events = [{"event_id": f"{eid}-h", "employee_id": eid, "event_date": D(hire), "event_type": "hire",
               "base_salary_idr": base, **state}]  # fmt: skip
    for k, (day, new_base) in enumerate(changes):
        events.append({"event_id": f"{eid}-c{k}", "employee_id": eid, "event_date": D(day),
                       "event_type": "salary_change", "base_salary_idr": new_base, **state})  # fmt: skip
        base = new_base
    for k, (day, new_end) in enumerate(renewals):
        state = {**state, "contract_end_date": D(new_end)}
        events.append({"event_id": f"{eid}-r{k}", "employee_id": eid, "event_date": D(day),
                       "event_type": "contract_renewal", "base_salary_idr": base, **state})  # fmt: skip
    if last_day:
        events.append({"event_id": f"{eid}-t", "employee_id": eid, "event_date": D(last_day),
                       "event_type": "termination", "base_salary_idr": base, "termination_type": "voluntary",
                       **state})  # fmt: skip
    master = {"employee_id": eid, "hire_date": D(hire), "termination_date": D(last_day) if last_day else None,
              "base_salary_idr": base, "bank_account": bank if bank is not None else f"9{eid[1:]:0>9}",
              "tax_id": tax if tax is not None else f"0{eid[1:]:0>14}", "ptkp_status": "TK/0",
              "work_location": "ID-JK", **state}  # fmt: skip
    return events, master


def weekdays(first, last):
    day, out = D(first), []
    while day <= D(last):
        if day.isoweekday() <= 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def present(eid, first, last, overtime=None):
    """Attendance rows: present on every weekday from first to last; overtime = hours on each of those days."""
    return [{"employee_id": eid, "attendance_date": day, "status": "present", "day_type": "workday",
             "overtime_hours_approved": overtime or 0} for day in weekdays(first, last)]  # fmt: skip


def pay(eid, month, basic, alw=0, overtime=0, thr=0):
    lines = {"BASIC": basic, "ALW_FIXED": alw, "OVERTIME": overtime, "THR": thr}
    return [{"run_id": f"PR-{month}", "period": month, "pay_date": D(f"{month}-25"), "employee_id": eid,
             "component_code": code, "amount_idr": amount} for code, amount in lines.items() if amount]  # fmt: skip


def build(con, people, *, payslips=(), attendance=(), leave=(), months=3, last_month="2025-03", models=()):
    """The HR and payroll core of the company, then the control models named; returns their findings."""
    people = [person("E01", "2020-01-01"), *people]
    load_reference(con)
    create_staging(con, "hris__departments", [
        {"department_id": d, "department_name": d, "region_code": "ID-JK", "domain": "operations"} for d in ("D1", "D2")
    ])  # fmt: skip
    create_staging(con, "hris__job_history", [e for events, _ in people for e in events])
    create_staging(con, "hris__employees", [m for _, m in people])
    first = (D(f"{last_month}-01") - dt.timedelta(days=28 * (months - 1))).replace(day=1)
    create_staging(con, "hris__attendance", [*present("E01", first.isoformat(), f"{last_month}-28"), *attendance])
    create_staging(con, "hris__leave", list(leave))
    create_staging(con, "hris__pay_bands", [
        {"grade": g, "min_idr": lo, "mid_idr": (lo + hi) // 2, "max_idr": hi, "effective_from": D(start),
         "effective_to": D(end) if end else None} for g, lo, hi, start, end in PAY_BANDS
    ])  # fmt: skip
    create_staging(con, "payroll__payroll_components", [
        {"component_code": c, "component_name": c, "component_type": t, "category": k, "is_taxable": t == "earning"}
        for c, t, k in COMPONENTS
    ])  # fmt: skip
    create_staging(con, "payroll__payslip_lines", [line for p in payslips for line in p])
    settings = Settings(reporting_months=months)
    run_models(con, settings, *HR_MODELS, *PAYSLIP_CORE)
    build_controls(con, settings, names=list(models))
    rows = []
    for model in models:
        cursor = con.execute(f"select * from core.{model}")
        names = [d[0] for d in cursor.description]
        rows += [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    return rows


def by_code(findings, code):
    return {f["entity_key"]: f for f in findings if f["control_code"] == code}


def test_paid_after_termination_flags_a_full_month_after_the_last_day_not_the_pro_rated_final_pay(con):
    findings = build(
        con,
        [
            person("E02", "2024-01-01", "2025-01-31"),  # planted: left on 31 January, paid for February
            person("E03", "2024-01-01", "2025-02-10"),  # look-alike: left on 10 February, paid pro rata on the 25th
        ],
        payslips=[
            pay("E02", "2025-02", 8_000_000, 1_000_000),
            pay("E03", "2025-02", 2_857_143, 357_143),  # 10/28 of the month, paid after the last day: legitimate
        ],
        models=["int_findings__payroll_register"],
    )
    found = by_code(findings, "paid_after_termination")
    assert set(found) == {"E02"}
    assert found["E02"]["period"] == D("2025-02-01")
    assert found["E02"]["amount_at_risk_idr"] == 9_000_000  # net = gross 8,000,000 + 1,000,000 (no deductions)
    assert json.loads(found["E02"]["evidence"])["days_after_last_day"] == 1  # 1 February - 31 January


def test_paid_without_attendance_flags_the_ghost_not_the_employee_on_approved_leave(con):
    findings = build(con, [
        person("E04", "2024-06-01"),  # planted: paid for January, no attendance, no leave
        person("E05", "2024-06-01"),  # look-alike: no attendance in January but on approved maternity leave
    ], payslips=[pay("E04", "2025-01", 8_000_000), pay("E05", "2025-01", 8_000_000)], leave=[
        {"leave_id": "L1", "employee_id": "E05", "leave_type": "maternity", "start_date": D("2025-01-02"),
         "end_date": D("2025-04-01"), "days": 64, "status": "approved"},
    ], models=["int_findings__payroll_register"])  # fmt: skip
    found = by_code(findings, "paid_without_attendance")
    assert set(found) == {"E04"}
    evidence = json.loads(found["E04"]["evidence"])
    # January 2025: 23 weekdays - 3 public holidays (1, 27, 29 January) = 20 working days employed, 0 recorded
    assert evidence["n_working_days_employed"] == 20
    assert evidence["n_attendance_records"] == 0
    assert found["E04"]["amount_at_risk_idr"] == 8_000_000


def test_master_data_bank_accounts_and_tax_ids_after_normalisation(con):
    people = [
        person("E06", "2024-01-01", bank="123-456-7890"),  # planted: shares an account with E07 ...
        person("E07", "2024-01-01", bank="1234567890"),  # ... written without separators
        person("E08", "2024-01-01", bank="1234567891"),  # look-alike: one digit different
        person("E09", "2020-01-01", "2023-06-30", bank="5550001111"),  # left before the window, never paid in it
        person("E10", "2024-01-01", bank="555 000 1111"),  # look-alike: reuses E09's account, E09 is not paid
        person("E11", "2024-01-01", tax=""),  # planted: no tax id
        person("E12", "2024-01-01", tax="09.254.294.3-407.001"),  # look-alike: formatted NPWP, present
        person("E13", "2024-01-01", tax="09.254.294.3-407.000"),  # planted: the same tax id as E14 ...
        person("E14", "2024-01-01", tax="092542943407000"),  # ... without the dots and dash
    ]
    payslips = [pay(f"E{n:02d}", "2025-01", 8_000_000) for n in (6, 7, 8, 10, 11, 12, 13, 14)]
    findings = build(con, people, payslips=payslips, models=["int_findings__master_data"])
    assert set(by_code(findings, "shared_bank_account")) == {"E06", "E07"}
    assert set(by_code(findings, "missing_tax_id")) == {"E11"}
    assert set(by_code(findings, "duplicate_tax_id")) == {"E13", "E14"}
    assert json.loads(by_code(findings, "duplicate_tax_id")["E13"]["evidence"])["tax_id"] == "092542943407000"


def test_salary_outside_band_judges_the_pay_decision_against_the_band_of_that_day(con):
    findings = build(
        con,
        [
            # planted: raised to 11,000,000 on 1 February 2025, above the 2025 G2 maximum 9,500,000
            person("E20", "2024-01-01", changes=[("2025-02-01", 11_000_000)]),
            # look-alike: hired at 6,000,000 inside the 2024 band (5,900,000-8,900,000); below the 2025 minimum
            # 6,200,000 only because the band moved, which is a pay-review question, not a decision outside the band
            person("E21", "2024-10-01", base=6_000_000),
        ],
        models=["int_findings__pay_bands"],
    )
    found = by_code(findings, "salary_outside_band")
    assert set(found) == {"E20"}
    assert found["E20"]["period"] == D("2025-02-01")
    assert found["E20"]["amount_at_risk_idr"] == 1_500_000  # 11,000,000 - 9,500,000 a month


def test_overtime_outlier_needs_a_high_z_and_the_minimum_hours(con):
    # January only. D2: E30 3 h on each of 23 weekdays = 69 h; E31, E32, E33 2, 4 and 6 h.
    #   others of E30: mean (2 + 4 + 6) / 3 = 4, sd 2 -> z = (69 - 4) / 2 = 32.5 > 3 and 69 >= 40 h: an outlier
    # D1 (the look-alike): E01 0 h, E34 20 h, E35, E36, E37 1, 2 and 3 h -> others of E34: mean 1.5, sd 1.29,
    #   z = (20 - 1.5) / 1.29 = 14.3 > 3 but 20 < 40 h: not listed
    people = [person(f"E{n}", "2024-01-01", dept="D2" if n < 34 else "D1") for n in range(30, 38)]
    hours = {"E31": 2, "E32": 4, "E33": 6, "E34": 20, "E35": 1, "E36": 2, "E37": 3}
    attendance = present("E30", "2025-01-01", "2025-01-31", overtime=3)
    for eid, h in hours.items():
        attendance += [{"employee_id": eid, "attendance_date": D("2025-01-06"), "status": "present",
                        "day_type": "workday", "overtime_hours_approved": h}]  # fmt: skip
    findings = build(con, people, attendance=attendance, months=1, last_month="2025-01",
                     payslips=[pay("E30", "2025-01", 8_000_000, overtime=1_234_567)],
                     models=["int_findings__overtime"])  # fmt: skip
    found = by_code(findings, "overtime_outlier")
    assert set(found) == {"E30"}
    evidence = json.loads(found["E30"]["evidence"])
    assert evidence["hours_overtime"] == 69
    assert evidence["mean_others"] == 4 and evidence["sd_others"] == 2 and evidence["z_score"] == 32.5
    assert found["E30"]["amount_at_risk_idr"] == 1_234_567


@pytest.mark.parametrize("grace_days, expected", [(0, {"E02"}), (1, set())])
def test_the_grace_days_come_from_the_registry_parameters(con, grace_days, expected, monkeypatch):
    from assets.controls import registry

    rules = registry.load_registry()
    patched = tuple(r.model_copy(update={"parameters": {**r.parameters, "paid_after_termination_grace_days":
                    grace_days}}) if r.code == "paid_after_termination" else r for r in rules)  # fmt: skip
    monkeypatch.setattr(registry, "load_registry", lambda *a, **k: patched)
    # left on 31 January; February starts 1 day later: flagged with no grace, within a 1-day grace
    findings = build(con, [person("E02", "2024-01-01", "2025-01-31")], payslips=[pay("E02", "2025-02", 8_000_000)],
                     models=["int_findings__payroll_register"])  # fmt: skip
    assert set(by_code(findings, "paid_after_termination")) == expected


# -- compliance ------------------------------------------------------------------------------------------------


def test_minimum_wage_applies_under_one_year_of_service_only(con):
    # DKI Jakarta (ID-JK) UMP 2025 = Rp5,396,761 (reference.minimum_wages). Both earn 5,000,000 + 300,000 = 5,300,000.
    people = [
        person("E40", "2024-12-02", base=5_000_000, alw=300_000),  # planted: 0-2 months of service in Jan-Mar 2025
        person("E41", "2023-06-01", base=5_000_000, alw=300_000),  # look-alike: over a year of service
    ]
    payslips = [pay(e, m, 5_000_000, 300_000) for e in ("E40", "E41") for m in ("2025-01", "2025-02", "2025-03")]
    findings = build(con, people, payslips=payslips, models=["int_findings__minimum_wage"])
    found = by_code(findings, "minimum_wage")
    assert set(found) == {"E40"}
    assert found["E40"]["period"] == D("2025-01-01")  # one salary record, one year: one finding for 3 months
    assert found["E40"]["amount_at_risk_idr"] == 3 * 96_761  # (5,396,761 - 5,300,000) x 3 months


def overtime_day(eid, day, hours, day_type="workday"):
    return {"employee_id": eid, "attendance_date": D(day), "status": "present", "day_type": day_type,
            "overtime_hours_approved": hours}  # fmt: skip


def test_overtime_limits_count_working_days_only(con):
    attendance = [
        overtime_day("E42", "2025-01-15", 4.5),  # planted: 4.5 h on a Wednesday, above 4 h a day
        overtime_day("E43", "2025-01-16", 4.0),  # look-alike: exactly the daily maximum ...
        overtime_day("E43", "2025-01-18", 6.0, "restday"),  # ... and 6 h on a Saturday, which does not count
        # planted: 4 h on each weekday of 13-17 January = 20 h > 18 h a week (no day above 4 h)
        *[overtime_day("E44", f"2025-01-{d}", 4.0) for d in range(13, 18)],
        # look-alike: 3.5 h x 5 = 17.5 h on weekdays of 20-24 January, plus 8 h on Saturday the 25th (rest day)
        *[overtime_day("E45", f"2025-01-{d}", 3.5) for d in range(20, 25)],
        overtime_day("E45", "2025-01-25", 8.0, "restday"),
    ]
    people = [person(e, "2024-01-01") for e in ("E42", "E43", "E44", "E45")]
    findings = build(con, people, attendance=attendance, models=["int_findings__working_time"])
    assert set(by_code(findings, "overtime_daily_limit")) == {"E42"}
    weekly = by_code(findings, "overtime_weekly_limit")
    assert set(weekly) == {"E44"}
    assert json.loads(weekly["E44"]["evidence"])["hours_overtime"] == 20
    assert weekly["E44"]["finding_id"] == "overtime_weekly_limit:E44:2025-01-13"  # the week's Monday


def test_pkwt_longer_than_five_years_and_expired_contracts_still_paid(con):
    people = [
        # planted: PKWT from 2020-03-01, renewed on 2022-03-01 until 2025-08-31: 5.5 years (limit: end before
        # 2020-03-01 + 5 years = 2025-03-01)
        person("E46", "2020-03-01", kind="PKWT", contract_end="2022-02-28", renewals=[("2022-03-01", "2025-08-31")]),
        # look-alike: renewed until 2025-02-28, one day short of 5 years, and leaves that day
        person("E47", "2020-03-01", "2025-02-28", kind="PKWT", contract_end="2022-02-28",
               renewals=[("2022-03-01", "2025-02-28")]),
        # planted: contract ended 2025-01-31, no renewal, still employed and paid in February and March
        person("E48", "2024-03-01", kind="PKWT", contract_end="2025-01-31"),
        # look-alike: the same end date, renewed on 2025-02-01 until 2026-01-31
        person("E49", "2024-03-01", kind="PKWT", contract_end="2025-01-31", renewals=[("2025-02-01", "2026-01-31")]),
    ]  # fmt: skip
    payslips = [pay(e, m, 8_000_000) for e in ("E46", "E48", "E49") for m in ("2025-01", "2025-02", "2025-03")]
    findings = build(con, people, payslips=payslips, models=["int_findings__contracts"])
    too_long = by_code(findings, "pkwt_max_duration")
    assert set(too_long) == {"E46"}
    assert too_long["E46"]["period"] == D("2022-03-01")  # the renewal that agreed the end date
    expired = by_code(findings, "pkwt_expired_active")
    assert set(expired) == {"E48"}
    assert expired["E48"]["period"] == D("2025-02-01")  # the month after the end date


def test_annual_leave_refused_with_nothing_granted(con):
    # Window: the 12 months to 2025-03-31, not before the data's start (2025-01-01). Minimum service 12 months.
    def request(lid, eid, day, status):
        return {"leave_id": lid, "employee_id": eid, "leave_type": "annual", "start_date": D(day), "end_date": D(day),
                "days": 1, "status": status}  # fmt: skip

    leave = [
        request("L1", "E50", "2025-01-13", "rejected"),  # planted: refused twice, nothing granted
        request("L2", "E50", "2025-02-10", "rejected"),
        request("L3", "E51", "2025-01-13", "rejected"),  # look-alike: refused once, granted once
        request("L4", "E51", "2025-02-10", "approved"),
        request("L5", "E52", "2025-01-13", "rejected"),  # look-alike: 7 months of service on 2025-01-01
        request("L6", "E57", "2025-03-03", "rejected"),  # look-alike: refused once only (a scheduling clash)
    ]
    people = [person(e, "2020-01-01") for e in ("E50", "E51", "E57")] + [person("E52", "2024-06-01")]
    findings = build(con, people, leave=leave, models=["int_findings__annual_leave"])
    found = by_code(findings, "annual_leave_not_granted")
    assert set(found) == {"E50"}
    assert json.loads(found["E50"]["evidence"])["n_rejected_requests"] == 2


def test_thr_late_and_short_against_the_entitlement(con):
    # Idul Fitri 2025-03-31 (reference.holidays, is_thr_reference); deadline H-7 = 2025-03-24. The February run
    # (paid 2025-02-25) is the THR run; the March run is paid on 2025-03-25, after the deadline.
    # Wage = 8,000,000 + 1,000,000 = 9,000,000.
    people = [
        person("E53", "2020-01-01"),  # planted: full THR 9,000,000, but only in the March run (late)
        person("E54", "2024-09-15"),  # planted: 6 months on 2025-03-31 -> 6/12 x 9,000,000 = 4,500,000; paid 3,000,000
        person("E55", "2024-09-15"),  # look-alike: the same service, paid 4,500,000 on time
        person("E56", "2025-03-01"),  # look-alike: 0 months of service on the holiday, not entitled, paid none
    ]
    thr = {("E01", "2025-02"): 9_000_000, ("E53", "2025-03"): 9_000_000, ("E54", "2025-02"): 3_000_000,
           ("E55", "2025-02"): 4_500_000}  # fmt: skip
    months = ("2025-01", "2025-02", "2025-03")
    payslips = [pay(e, m, 8_000_000, 1_000_000, thr=thr.get((e, m), 0))
                for e in ("E01", "E53", "E54", "E55") for m in months] + [pay("E56", "2025-03", 8_000_000)]  # fmt: skip
    findings = build(con, people, payslips=payslips, models=["int_findings__thr"])
    late = by_code(findings, "thr_late")
    assert set(late) == {"E53"}
    assert late["E53"]["period"] == D("2025-03-01") and late["E53"]["amount_at_risk_idr"] == 9_000_000
    short = by_code(findings, "thr_short")
    assert set(short) == {"E54"}  # E53 was paid in full, late: not short
    assert short["E54"]["amount_at_risk_idr"] == 1_500_000  # 4,500,000 - 3,000,000


def recalculation_row(eid, component, method, expected, actual):
    return {"run_id": "PR-2025-01", "period": D("2025-01-01"), "pay_date": D("2025-01-24"), "employee_id": eid,
            "department_id": "D1", "component_code": component, "method": method, "base_idr": 10_042_300,
            "rate_pct": 1.0, "expected_idr": expected, "actual_idr": actual,
            "difference_idr": None if expected is None else actual - expected}  # fmt: skip


def test_bpjs_and_pph21_differences_beyond_the_tolerance(con):
    rows = [
        recalculation_row("E60", "JP_EE", "bpjs_jp", 100_423, 146_300),  # planted: JP on the uncapped wage
        recalculation_row("E61", "JP_EE", "bpjs_jp", 100_423, 100_424),  # look-alike: Rp1 (tolerance Rp1)
        recalculation_row("E62", "PPH21", "pph21_ter", 540_221, 810_221),  # planted: Rp270,000 over-withheld
        recalculation_row("E63", "PPH21", "pph21_ter", 540_221, 540_900),  # look-alike: Rp679 (tolerance Rp1,000)
        recalculation_row("E64", "PPH21", "pph21_annual", None, 7_718_330),  # cannot be recomputed: not judged
    ]
    con.execute("create schema marts")
    con.execute(
        "create table marts.payroll_recalculation (run_id varchar, period date, pay_date date, "
        "employee_id varchar, department_id varchar, component_code varchar, method varchar, "
        "base_idr bigint, rate_pct double, expected_idr bigint, actual_idr bigint, difference_idr bigint)"
    )
    for row in rows:
        con.execute(f"insert into marts.payroll_recalculation values ({', '.join('?' * len(row))})", list(row.values()))
    load_reference(con)
    build_controls(con, Settings(), names=["int_findings__social_security", "int_findings__income_tax"])
    bpjs = con.execute("select entity_key, amount_at_risk_idr from core.int_findings__social_security").fetchall()
    pph21 = con.execute("select entity_key, amount_at_risk_idr from core.int_findings__income_tax").fetchall()
    assert bpjs == [("E60", 45_877)]  # 146,300 - 100,423
    assert pph21 == [("E62", 270_000)]
