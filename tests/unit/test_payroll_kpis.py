"""Payroll KPIs (marts.kpi_payroll__costs) on a five-person company, worked out by hand.

January 2025 has 31 days, February 28; pay dates 24 January and 25 February. Departments D1 and D2.
  E1  D1, hired 2024-06-01, stays.
  E2  D1, leaves mid-month: last day employed 2025-01-15 (paid 15/31 of the month).
  E3  D1, hired mid-month 2025-01-20.
  E4  D2, hired 2024-01-01, transferred to D1 on 2025-02-10: February's payslip is D1's (department on the pay
      date) while the headcount splits the month (D2 9 days, D1 19 days).
  E5  D2, hired 2023-01-01, left 2024-10-31, rehired 2025-02-03.
Average daily headcount (from kpi_hr__workforce):
  January   D1 = (31 + 15 + 12) / 31 = 58/31;  D2 = 31/31 = 1;  ALL = 89/31
  February  D1 = (28 + 28 + 19) / 28 = 75/28;  D2 = (9 + 26) / 28 = 35/28 = 1.25;  ALL = 110/28
Payslips (gross = earnings; employer = employer contributions; net = gross - employee BPJS - PPh 21):
  Jan E1  basic 10,000,000 fixed 1,000,000 overtime 500,000      gross 11,500,000  employer 770,000  net 10,900,000
          (employee BPJS 300,000, PPh 21 300,000)
  Jan E2  basic 4,000,000 fixed 500,000                          gross  4,500,000  employer 200,000  net  4,400,000
  Jan E3  basic 2,000,000 fixed 200,000                          gross  2,200,000  employer 100,000  net  2,150,000
  Jan E4  basic 6,000,000 fixed 600,000 overtime 300,000 THR 6,600,000
                                                                 gross 13,500,000  employer 220,000  net 12,980,000
          (employee BPJS 120,000, PPh 21 400,000)
  Feb E1  as in January                                          gross 11,500,000  employer 770,000  net 10,900,000
  Feb E3  basic 5,000,000 fixed 500,000                          gross  5,500,000  employer 200,000  net  5,340,000
          (employee BPJS 110,000, PPh 21 50,000)
  Feb E4  basic 6,000,000 fixed 600,000 (now D1)                 gross  6,600,000  employer 220,000  net  6,380,000
          (employee BPJS 120,000, PPh 21 100,000)
  Feb E5  basic 3,000,000 fixed 300,000 (rehire, D2)             gross  3,300,000  employer 110,000  net  3,240,000
"""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from fixtures.warehouse import (
    D1_JANUARY_EVENTS,
    HR_CORE,
    PAYROLL_COSTS,
    ROOT,
    create_five_person_company,
    create_payslips,
    job_event,
    load_reference,
    run_models,
)

from pipelines.settings import Settings

D = dt.date.fromisoformat
CODES = {
    "payroll_cost_total_idr", "payroll_cost_per_employee_idr", "gross_pay_avg_idr", "net_pay_avg_idr",
    "overtime_cost_ratio_pct", "employer_statutory_cost_idr", "pph21_withheld_idr", "thr_paid_idr",
}  # fmt: skip


EVENTS = [
    *D1_JANUARY_EVENTS,
    job_event("5", "E4", "2024-01-01", "hire", "D2"),
    job_event("6", "E4", "2025-02-10", "transfer", "D1"),
    job_event("7", "E5", "2023-01-01", "hire", "D2"),
    job_event("8", "E5", "2024-10-31", "termination", "D2", "voluntary"),
    job_event("9", "E5", "2025-02-03", "rehire", "D2"),
]
E1 = {"BASIC": 10_000_000, "ALW_FIXED": 1_000_000, "OVERTIME": 500_000, "JHT_EE": 200_000, "BPJS_KES_EE": 100_000,
      "JHT_ER": 370_000, "BPJS_KES_ER": 400_000, "PPH21": 300_000}  # fmt: skip
PAYSLIPS = {
    ("2025-01", "E1"): E1,
    ("2025-01", "E2"): {"BASIC": 4_000_000, "ALW_FIXED": 500_000, "JHT_EE": 100_000, "JHT_ER": 200_000},
    ("2025-01", "E3"): {"BASIC": 2_000_000, "ALW_FIXED": 200_000, "JHT_EE": 50_000, "JHT_ER": 100_000},
    ("2025-01", "E4"): {"BASIC": 6_000_000, "ALW_FIXED": 600_000, "OVERTIME": 300_000, "THR": 6_600_000,
                        "JHT_EE": 120_000, "JHT_ER": 220_000, "PPH21": 400_000},
    ("2025-02", "E1"): E1,
    ("2025-02", "E3"): {"BASIC": 5_000_000, "ALW_FIXED": 500_000, "JHT_EE": 110_000, "JHT_ER": 200_000,
                        "PPH21": 50_000},
    ("2025-02", "E4"): {"BASIC": 6_000_000, "ALW_FIXED": 600_000, "JHT_EE": 120_000, "JHT_ER": 220_000,
                        "PPH21": 100_000},
    ("2025-02", "E5"): {"BASIC": 3_000_000, "ALW_FIXED": 300_000, "JHT_EE": 60_000, "JHT_ER": 110_000},
}  # fmt: skip
PAY_DATES = {"2025-01": D("2025-01-24"), "2025-02": D("2025-02-25")}


@pytest.fixture
def kpis(con):
    settings = Settings(reporting_months=2)
    load_reference(con)
    create_five_person_company(con, EVENTS)
    create_payslips(con, PAYSLIPS, PAY_DATES)
    run_models(con, settings, *HR_CORE, *PAYROLL_COSTS)
    rows = con.execute("select period, department_id, kpi_code, value from marts.kpi_payroll__costs").fetchall()
    return {(p.isoformat()[:7], d, k): v for p, d, k, v in rows}


def test_every_code_for_every_department_and_month_and_each_is_registered(kpis):
    keys = {(p, d) for p, d, _ in kpis}
    assert keys == {(p, d) for p in ("2025-01", "2025-02") for d in ("D1", "D2", "ALL")}
    assert {k for _, _, k in kpis} == CODES
    assert len(kpis) == len(keys) * len(CODES)
    registry = yaml.safe_load((ROOT / "assets/kpi/registry/payroll.yaml").read_text())
    # the payroll domain's cost family; payroll against budget is kpi_payroll__budget (test_payroll_budget_kpi)
    assert {e["code"] for e in registry if e["model"] == "kpi_payroll__costs"} == CODES
    assert {e["model"] for e in registry} == {"kpi_payroll__costs", "kpi_payroll__budget"}


def test_total_payroll_cost_is_gross_plus_employer_contributions(kpis):
    # January D1: E1 11,500,000 + 770,000 = 12,270,000; E2 4,700,000; E3 2,300,000 -> 19,270,000
    assert kpis[("2025-01", "D1", "payroll_cost_total_idr")] == 19_270_000
    assert kpis[("2025-01", "D2", "payroll_cost_total_idr")] == 13_720_000  # E4 13,500,000 + 220,000
    assert kpis[("2025-01", "ALL", "payroll_cost_total_idr")] == 32_990_000
    # February D1: E1 12,270,000 + E3 5,700,000 + E4 (transferred) 6,820,000 = 24,790,000; D2: E5 3,410,000
    assert kpis[("2025-02", "D1", "payroll_cost_total_idr")] == 24_790_000
    assert kpis[("2025-02", "D2", "payroll_cost_total_idr")] == 3_410_000


def test_payroll_cost_per_employee_uses_the_average_daily_headcount(kpis):
    assert kpis[("2025-01", "D1", "payroll_cost_per_employee_idr")] == pytest.approx(19_270_000 / (58 / 31))
    assert kpis[("2025-01", "D2", "payroll_cost_per_employee_idr")] == pytest.approx(13_720_000)  # / 1
    assert kpis[("2025-01", "ALL", "payroll_cost_per_employee_idr")] == pytest.approx(32_990_000 / (89 / 31))
    assert kpis[("2025-02", "D1", "payroll_cost_per_employee_idr")] == pytest.approx(24_790_000 / (75 / 28))
    assert kpis[("2025-02", "D2", "payroll_cost_per_employee_idr")] == pytest.approx(3_410_000 / 1.25)  # 2,728,000


def test_average_gross_and_net_are_per_employee_paid(kpis):
    # January D1: gross (11,500,000 + 4,500,000 + 2,200,000) / 3 = 18,200,000 / 3; net 17,450,000 / 3
    assert kpis[("2025-01", "D1", "gross_pay_avg_idr")] == pytest.approx(18_200_000 / 3)
    assert kpis[("2025-01", "D1", "net_pay_avg_idr")] == pytest.approx(17_450_000 / 3)
    # January ALL: gross 31,700,000 / 4; net 30,430,000 / 4
    assert kpis[("2025-01", "ALL", "gross_pay_avg_idr")] == pytest.approx(31_700_000 / 4)
    assert kpis[("2025-01", "ALL", "net_pay_avg_idr")] == pytest.approx(30_430_000 / 4)
    # February D2: the rehire alone, 3,300,000 gross, 3,240,000 net
    assert kpis[("2025-02", "D2", "gross_pay_avg_idr")] == 3_300_000
    assert kpis[("2025-02", "D2", "net_pay_avg_idr")] == 3_240_000


def test_overtime_cost_ratio_is_over_basic_plus_fixed_allowances(kpis):
    # January D1: 500,000 / (11,000,000 + 4,500,000 + 2,200,000 = 17,700,000) * 100 = 2.8249%
    assert kpis[("2025-01", "D1", "overtime_cost_ratio_pct")] == pytest.approx(500_000 / 17_700_000 * 100)
    # January D2: 300,000 / 6,600,000 * 100 = 4.545% (THR is not base pay)
    assert kpis[("2025-01", "D2", "overtime_cost_ratio_pct")] == pytest.approx(300_000 / 6_600_000 * 100)
    # January ALL: 800,000 / 24,300,000 * 100
    assert kpis[("2025-01", "ALL", "overtime_cost_ratio_pct")] == pytest.approx(800_000 / 24_300_000 * 100)
    assert kpis[("2025-02", "D2", "overtime_cost_ratio_pct")] == 0


def test_employer_statutory_cost_pph21_and_thr(kpis):
    assert kpis[("2025-01", "D1", "employer_statutory_cost_idr")] == 1_070_000  # 770,000 + 200,000 + 100,000
    assert kpis[("2025-02", "ALL", "employer_statutory_cost_idr")] == 1_300_000  # 770 + 200 + 220 + 110 thousand
    assert kpis[("2025-01", "ALL", "pph21_withheld_idr")] == 700_000  # 300,000 + 400,000
    assert kpis[("2025-02", "D1", "pph21_withheld_idr")] == 450_000  # 300,000 + 50,000 + 100,000
    assert kpis[("2025-01", "D2", "thr_paid_idr")] == 6_600_000
    assert kpis[("2025-01", "D1", "thr_paid_idr")] == 0
    assert kpis[("2025-02", "ALL", "thr_paid_idr")] == 0
