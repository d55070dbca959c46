"""Payslip facts (core.fct_payslip_line, core.fct_payslip) on a tiny payroll, worked out by hand.

E1  D1 from 2024-01-01, transferred to D2 on 2025-03-01: the February payslip is D1's, March's is D2's.
E2  hired into D2 on 2025-03-28, after the March pay date (the 25th): still D2's payslip.
E3  D1 from 2024-01-01, left on 2024-06-30, rehired into D2 on 2025-03-28 (after the pay date): D2's payslip,
    not the department of the gap between the spells.
E9  paid in March but unknown to HR: kept, with no department.
E1  a March run whose two lines disagree on the pay date (25 February, none): the version on the pay date, D1,
    ranks above every version of the line without one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import HR_CORE, create_payroll_catalogue, create_staging, load_reference, run_models

from pipelines.settings import Settings

D = dt.date.fromisoformat
# E1's March payslip, every component once:
#   earnings  basic 10,000,000 + fixed 1,000,000 + variable 200,000 + overtime 300,000 + THR 11,000,000
#             + bonus 2,000,000                                                        = gross 24,500,000
#   employee  Kesehatan 110,000 + JHT 220,000 + JP 105,474                             =          435,474
#   employer  Kesehatan 440,000 + JHT 407,000 + JP 210,948 + JKK 26,400 + JKM 33,000   =        1,117,348
#   PPh 21                                                                                       2,000,000
#   net       24,500,000 - 435,474 - 2,000,000                                         =       22,064,526
#   cost      24,500,000 + 1,117,348                                                   =       25,617,348
#   taxable   24,500,000 + Kesehatan 440,000 + JKK 26,400 + JKM 33,000                 =       24,999,400
MARCH_E1 = {
    "BASIC": 10_000_000, "ALW_FIXED": 1_000_000, "ALW_VAR": 200_000, "OVERTIME": 300_000, "THR": 11_000_000,
    "BONUS": 2_000_000, "BPJS_KES_EE": 110_000, "BPJS_KES_ER": 440_000, "JHT_EE": 220_000, "JHT_ER": 407_000,
    "JP_EE": 105_474, "JP_ER": 210_948, "JKK_ER": 26_400, "JKM_ER": 33_000, "PPH21": 2_000_000,
    "MEAL": 50_000,  # not in the catalogue: kept as a line, in no payslip column
}  # fmt: skip


def lines(run, period, pay_date, employee_id, amounts):
    return [
        {"run_id": run, "period": period, "pay_date": D(pay_date) if pay_date else None, "employee_id": employee_id,
         "component_code": code, "amount_idr": amount}
        for code, amount in amounts.items()
    ]  # fmt: skip


@pytest.fixture
def payroll(con):
    load_reference(con)
    event = {"employment_type": "PKWTT", "base_salary_idr": 10_000_000, "fixed_allowance_idr": 1_000_000}
    create_staging(con, "hris__job_history", [
        {"event_id": "1", "employee_id": "E1", "event_date": D("2024-01-01"), "event_type": "hire",
         "department_id": "D1", **event},
        {"event_id": "2", "employee_id": "E1", "event_date": D("2025-03-01"), "event_type": "transfer",
         "department_id": "D2", **event},
        {"event_id": "3", "employee_id": "E2", "event_date": D("2025-03-28"), "event_type": "hire",
         "department_id": "D2", **event},
        {"event_id": "4", "employee_id": "E3", "event_date": D("2024-01-01"), "event_type": "hire",
         "department_id": "D1", **event},
        {"event_id": "5", "employee_id": "E3", "event_date": D("2024-06-30"), "event_type": "termination",
         "department_id": "D1", "termination_type": "voluntary", **event},
        {"event_id": "6", "employee_id": "E3", "event_date": D("2025-03-28"), "event_type": "rehire",
         "department_id": "D2", **event},
    ])  # fmt: skip
    create_staging(con, "hris__employees", [
        {"employee_id": e, "hire_date": D("2024-01-01"), "department_id": "D1", "employment_type": "PKWTT"}
        for e in ("E1", "E2", "E3")
    ])  # fmt: skip
    create_staging(con, "hris__attendance", [])
    create_payroll_catalogue(con)
    create_staging(con, "payroll__payslip_lines", [
        *lines("PR-2025-02", "2025-02", "2025-02-25", "E1", {"BASIC": 10_000_000, "ALW_FIXED": 1_000_000}),
        *lines("PR-2025-03", "2025-03", "2025-03-25", "E1", MARCH_E1),
        *lines("PR-2025-03", "2025-03", "2025-03-25", "E2", {"BASIC": 1_290_323}),
        *lines("PR-2025-03", "2025-03", "2025-03-25", "E3", {"BASIC": 1_290_323}),
        *lines("PR-2025-03", "2025-03", "2025-03-25", "E9", {"BASIC": 5_000_000}),
        *lines("PR-2025-03S", "2025-03", "2025-02-25", "E1", {"BONUS": 100_000}),
        *lines("PR-2025-03S", "2025-03", None, "E1", {"ALW_VAR": 50_000}),
    ])  # fmt: skip
    run_models(
        con, Settings(reporting_months=3), *HR_CORE,
        "assets/payroll/sql/dim_payroll_component.sql", "assets/payroll/sql/fct_payslip_line.sql",
        "assets/payroll/sql/fct_payslip.sql",
    )  # fmt: skip
    return con


def payslip(con, run_id, employee_id):
    cursor = con.execute("select * from core.fct_payslip where run_id = ? and employee_id = ?", [run_id, employee_id])
    names = [c[0] for c in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def test_the_wide_payslip_adds_up(payroll):
    p = payslip(payroll, "PR-2025-03", "E1")
    assert p["period"] == D("2025-03-01")
    assert (p["basic_idr"], p["fixed_allowance_idr"], p["variable_allowance_idr"]) == (10_000_000, 1_000_000, 200_000)
    assert (p["overtime_idr"], p["thr_idr"], p["bonus_idr"]) == (300_000, 11_000_000, 2_000_000)
    assert p["gross_idr"] == 24_500_000
    assert (p["bpjs_kesehatan_ee_idr"], p["bpjs_kesehatan_er_idr"]) == (110_000, 440_000)
    assert (p["jht_ee_idr"], p["jht_er_idr"], p["jp_ee_idr"], p["jp_er_idr"]) == (220_000, 407_000, 105_474, 210_948)
    assert (p["jkk_er_idr"], p["jkm_er_idr"]) == (26_400, 33_000)
    assert p["employee_bpjs_idr"] == 435_474
    assert p["employer_contribution_idr"] == 1_117_348
    assert p["pph21_idr"] == 2_000_000
    assert p["net_pay_idr"] == 22_064_526
    assert p["employer_cost_idr"] == 25_617_348
    assert p["taxable_income_idr"] == 24_999_400
    assert p["n_unknown_component_lines"] == 1  # MEAL: counted, in no column


def test_department_is_the_one_on_the_pay_date(payroll):
    assert payslip(payroll, "PR-2025-02", "E1")["department_id"] == "D1"
    assert payslip(payroll, "PR-2025-03", "E1")["department_id"] == "D2"  # transferred on 1 March
    assert payslip(payroll, "PR-2025-03", "E2")["department_id"] == "D2"  # joined after the pay date
    assert payslip(payroll, "PR-2025-03", "E3")["department_id"] == "D2"  # rehired into D2 after the pay date
    supplementary = payroll.execute(
        "select component_code, department_id from core.fct_payslip_line where run_id = 'PR-2025-03S' order by all"
    ).fetchall()
    assert supplementary == [("ALW_VAR", "D1"), ("BONUS", "D1")]  # D1 on 25 February; no pay date ranks below


def test_lines_of_unknown_employees_and_components_are_kept_and_marked(payroll):
    unknown = payroll.execute(
        "select employee_id, component_code, department_id, is_known_employee, is_known_component "
        "from core.fct_payslip_line where not (is_known_employee and is_known_component) order by all"
    ).fetchall()
    assert unknown == [("E1", "MEAL", "D2", True, False), ("E9", "BASIC", None, False, True)]
    assert payslip(payroll, "PR-2025-03", "E9")["gross_idr"] == 5_000_000
    lines_ = payroll.execute("select count(*) from core.fct_payslip_line").fetchall()
    assert lines_ == [(23,)]  # 2 + 16 + 1 + 1 + 1 + 2
