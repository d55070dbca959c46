"""The independent payroll recalculation (marts.payroll_recalculation), on worked examples computed by hand.

Reference values used below (assets/reference/data, in force in 2025):
  TER category A (TK/0): 9,650,000 < gross <= 10,050,000 -> 2%;  19,750,000 < gross <= 24,150,000 -> 9%
  TER category B (K/1):  9,200,000 < gross <= 10,750,000 -> 1.5%
  PTKP TK/0 54,000,000, K/1 63,000,000; biaya jabatan 5%, cap 500,000 a month and 6,000,000 a year
  Pasal 17: 5% to 60,000,000, 15% to 250,000,000; PKP rounded down to Rp1,000
  BPJS: Kesehatan 4% / 1% capped at 12,000,000 and floored at the regional minimum wage; JHT 3.7% / 2%;
        JP 2% / 1% capped at 10,042,300 (to 2025-02-28) then 10,547,400; JKK (risk I) 0.24%; JKM 0.30%
  Overtime: wage / 173 per hour; workday hour 1 x1.5, hours 2-4 x2; rest day (5-day week) hours 1-8 x2, hour 9 x3,
            hours 10-12 x4; rest day (6-day week) hours 1-7 x2, hour 8 x3, hours 9-11 x4
PPh 21 taxable income = earnings + employer JKK + JKM + BPJS Kesehatan (the catalogue's is_taxable).
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import (
    HR_CORE,
    PAYROLL_RECALCULATION,
    create_payroll_catalogue,
    create_staging,
    load_reference,
    run_models,
)

from pipelines.settings import Settings

D = dt.date.fromisoformat


def employee(employee_id, ptkp_status, hire, basic, allowance, termination=None):
    """Master row plus the job-history events of one employment (hire, optional termination)."""
    master = {"employee_id": employee_id, "hire_date": D(hire), "department_id": "D1", "employment_type": "PKWTT",
              "ptkp_status": ptkp_status, "work_location": "ID-JK", "base_salary_idr": basic,
              "fixed_allowance_idr": allowance}  # fmt: skip
    state = {"employee_id": employee_id, "department_id": "D1", "employment_type": "PKWTT",
             "base_salary_idr": basic, "fixed_allowance_idr": allowance}  # fmt: skip
    events = [{"event_id": f"{employee_id}-1", "event_date": D(hire), "event_type": "hire", **state}]
    if termination:
        master |= {"termination_date": D(termination), "termination_type": "voluntary"}
        events.append({"event_id": f"{employee_id}-2", "event_date": D(termination), "event_type": "termination",
                       "termination_type": "voluntary", **state})  # fmt: skip
    return master, events


def payslip(employee_id, period, pay_day=25, **amounts):
    year, month = period.split("-")
    return [
        {"run_id": f"PR-{period}", "period": period, "pay_date": dt.date(int(year), int(month), pay_day),
         "employee_id": employee_id, "component_code": code, "amount_idr": amount}
        for code, amount in amounts.items()
    ]  # fmt: skip


def build(con, people, lines, attendance=(), settings=None):
    """A tiny warehouse: HR core from ``people`` (master, events), payslip ``lines``, then the payroll models."""
    settings = settings or Settings(reporting_months=12)
    load_reference(con)
    create_staging(con, "hris__departments", [
        {"department_id": "D1", "department_name": "Operations", "region_code": "ID-JK"},
    ])  # fmt: skip
    create_staging(con, "hris__employees", [master for master, _ in people])
    create_staging(con, "hris__job_history", [e for _, events in people for e in events])
    create_staging(con, "hris__attendance", list(attendance))
    create_payroll_catalogue(con)
    create_staging(con, "payroll__payslip_lines", lines)
    run_models(con, settings, *HR_CORE, *PAYROLL_RECALCULATION)
    rows = con.execute(
        "select strftime(period, '%Y-%m'), employee_id, component_code, expected_idr, actual_idr, difference_idr, "
        "problem from marts.payroll_recalculation"
    ).fetchall()
    return {(p, e, c): {"expected": x, "actual": a, "difference": d, "problem": why} for p, e, c, x, a, d, why in rows}


# --- TER month ----------------------------------------------------------------------------------------------
# E01, TK/0 (category A), wage 9,000,000 = basic 8,000,000 + fixed allowance 1,000,000, March 2025, with a bonus.
#   JKK 0.24% x 9,000,000 = 21,600; JKM 0.30% = 27,000; Kesehatan employer 4% = 360,000, employee 1% = 90,000
#   JHT employer 3.7% = 333,000, employee 2% = 180,000; JP (wage below the cap) employer 2% = 180,000, employee 90,000
#   taxable income = 8,000,000 + 1,000,000 + bonus 591,400 + 21,600 + 27,000 + 360,000 = 10,000,000
#   TER A: 9,650,000 < 10,000,000 <= 10,050,000 -> 2% -> PPh 21 = 200,000
TER_MONTH = payslip(
    "E01", "2025-03", BASIC=8_000_000, ALW_FIXED=1_000_000, BONUS=591_400, BPJS_KES_EE=90_000,
    BPJS_KES_ER=360_000, JHT_EE=180_000, JHT_ER=333_000, JP_EE=90_000, JP_ER=180_000, JKK_ER=21_600,
    JKM_ER=27_000, PPH21=200_000,
)  # fmt: skip


def test_tk0_gross_ten_million_in_a_ter_month_withholds_200_000(con):
    recalc = build(con, [employee("E01", "TK/0", "2020-01-01", 8_000_000, 1_000_000)], TER_MONTH)
    assert recalc[("2025-03", "E01", "PPH21")]["expected"] == 200_000
    # every recomputed component of this correct payslip matches what was paid
    assert {k[2]: v["difference"] for k, v in recalc.items()} == {
        "PPH21": 0, "BPJS_KES_EE": 0, "BPJS_KES_ER": 0, "JHT_EE": 0, "JHT_ER": 0, "JP_EE": 0, "JP_ER": 0,
        "JKK_ER": 0, "JKM_ER": 0,
    }  # fmt: skip
    assert all(v["problem"] is None for v in recalc.values())


def test_a_wrong_withholding_shows_as_the_difference(con):
    wrong = [dict(line, amount_idr=150_000) if line["component_code"] == "PPH21" else line for line in TER_MONTH]
    recalc = build(con, [employee("E01", "TK/0", "2020-01-01", 8_000_000, 1_000_000)], wrong)
    assert recalc[("2025-03", "E01", "PPH21")] == {
        "expected": 200_000, "actual": 150_000, "difference": -50_000, "problem": None
    }  # fmt: skip


# --- December recalculation -------------------------------------------------------------------------------------
# E02, TK/0, wage 20,000,000 (basic 18,000,000 + allowance 2,000,000) every month of 2025.
#   Kesehatan on the 12,000,000 cap: employer 480,000, employee 120,000. JHT: employer 740,000, employee 400,000.
#   JP employee 1% of the cap: January-February 100,423 (10,042,300), March-December 105,474 (10,547,400).
#   JKK 48,000; JKM 60,000. Taxable income a month = 20,000,000 + 48,000 + 60,000 + 480,000 = 20,588,000
#   TER A 9% (19,750,000 < 20,588,000 <= 24,150,000) -> 1,852,920 a month; January-November 20,382,120.
# December, annual:
#   gross            12 x 20,588,000                                      = 247,056,000
#   biaya jabatan    5% = 12,352,800, capped at min(500,000 x 12, 6,000,000) =   6,000,000
#   employee JHT     12 x 400,000                                         =   4,800,000
#   employee JP      2 x 100,423 + 10 x 105,474 = 200,846 + 1,054,740     =   1,255,586
#   net              247,056,000 - 6,000,000 - 4,800,000 - 1,255,586      = 235,000,414
#   PKP              235,000,414 - PTKP 54,000,000 = 181,000,414, rounded down = 181,000,000
#   Pasal 17         5% x 60,000,000 + 15% x 121,000,000 = 3,000,000 + 18,150,000 = 21,150,000
#   December PPh 21  21,150,000 - 20,382,120                              =     767,880
def december_year():
    lines = []
    for month in range(1, 13):
        jp_ee, jp_er = (100_423, 200_846) if month <= 2 else (105_474, 210_948)
        lines += payslip(
            "E02", f"2025-{month:02d}", BASIC=18_000_000, ALW_FIXED=2_000_000, BPJS_KES_EE=120_000,
            BPJS_KES_ER=480_000, JHT_EE=400_000, JHT_ER=740_000, JP_EE=jp_ee, JP_ER=jp_er, JKK_ER=48_000,
            JKM_ER=60_000, PPH21=1_852_920 if month <= 11 else 767_880,
        )  # fmt: skip
    return lines


def test_december_recalculates_the_year_with_biaya_jabatan_capped_at_six_million(con):
    recalc = build(con, [employee("E02", "TK/0", "2020-01-01", 18_000_000, 2_000_000)], december_year())
    assert recalc[("2025-12", "E02", "PPH21")]["expected"] == 767_880
    assert recalc[("2025-06", "E02", "PPH21")]["expected"] == 1_852_920
    detail = con.execute(
        "select year_taxable_idr, biaya_jabatan_idr, pkp_idr, pasal17_tax_idr, withheld_before_idr "
        "from core.int_payroll__expected_pph21 where period = '2025-12-01'"
    ).fetchall()
    assert detail == [(247_056_000, 6_000_000, 181_000_000, 21_150_000, 20_382_120)]
    assert sum(abs(v["difference"]) for v in recalc.values()) == 0


# --- leaving month ----------------------------------------------------------------------------------------------
# E03, K/1 (category B, PTKP 63,000,000), wage 10,000,000 (9,000,000 + 1,000,000), last day 2025-02-14.
#   BPJS on the full wage both months: Kesehatan 400,000 / 100,000; JHT 370,000 / 200,000; JP 200,000 / 100,000;
#   JKK 24,000; JKM 30,000.
#   January: taxable 10,000,000 + 24,000 + 30,000 + 400,000 = 10,454,000; TER B 1.5% -> 156,810
#   February, pro-rated 14/28 days: basic 4,500,000, allowance 500,000; taxable 5,454,000. Leaving month, annual:
#     gross 15,908,000; biaya jabatan 5% = 795,400 (cap 500,000 x 2 months = 1,000,000 not reached);
#     net 15,908,000 - 795,400 - JHT 400,000 - JP 200,000 = 14,512,600, below PTKP 63,000,000 -> PKP 0, tax 0
#     PPh 21 = 0 - 156,810 = -156,810 (refund)
def test_leaving_month_recalculates_and_refunds(con):
    bpjs = dict(BPJS_KES_EE=100_000, BPJS_KES_ER=400_000, JHT_EE=200_000, JHT_ER=370_000, JP_EE=100_000,
                JP_ER=200_000, JKK_ER=24_000, JKM_ER=30_000)  # fmt: skip
    lines = payslip("E03", "2025-01", BASIC=9_000_000, ALW_FIXED=1_000_000, PPH21=156_810, **bpjs)
    lines += payslip("E03", "2025-02", BASIC=4_500_000, ALW_FIXED=500_000, PPH21=-156_810, **bpjs)
    people = [employee("E03", "K/1", "2024-05-01", 9_000_000, 1_000_000, termination="2025-02-14")]
    recalc = build(con, people, lines)
    assert recalc[("2025-01", "E03", "PPH21")]["expected"] == 156_810
    assert recalc[("2025-02", "E03", "PPH21")]["expected"] == -156_810
    assert sum(abs(v["difference"]) for v in recalc.values()) == 0


# --- BPJS caps ------------------------------------------------------------------------------------------------------
# E04, wage 15,000,000 (13,500,000 + 1,500,000), February and March 2025.
#   BPJS Kesehatan on the 12,000,000 cap: employee 1% = 120,000, employer 4% = 480,000 (not 150,000 / 600,000)
#   JP on the cap in force: February 10,042,300 -> employee 100,423, employer 200,846
#                           March   10,547,400 -> employee 105,474, employer 210,948
#   JHT has no cap: employee 2% x 15,000,000 = 300,000
def test_bpjs_kesehatan_and_jp_on_the_cap_in_force(con):
    lines = payslip("E04", "2025-02", BASIC=13_500_000, ALW_FIXED=1_500_000, BPJS_KES_EE=150_000, JP_EE=100_423)
    lines += payslip("E04", "2025-03", BASIC=13_500_000, ALW_FIXED=1_500_000, JP_EE=100_423)
    recalc = build(con, [employee("E04", "TK/0", "2020-01-01", 13_500_000, 1_500_000)], lines)
    assert recalc[("2025-02", "E04", "BPJS_KES_EE")]["expected"] == 120_000
    assert recalc[("2025-02", "E04", "BPJS_KES_EE")]["difference"] == 30_000  # paid on the uncapped wage
    assert recalc[("2025-02", "E04", "BPJS_KES_ER")]["expected"] == 480_000
    assert recalc[("2025-02", "E04", "JP_EE")]["expected"] == 100_423
    assert recalc[("2025-02", "E04", "JP_ER")]["expected"] == 200_846
    assert recalc[("2025-03", "E04", "JP_EE")]["expected"] == 105_474
    assert recalc[("2025-03", "E04", "JP_EE")]["difference"] == -5_051  # February's cap kept in March
    assert recalc[("2025-03", "E04", "JP_ER")]["expected"] == 210_948
    assert recalc[("2025-03", "E04", "JHT_EE")]["expected"] == 300_000


# BPJS Kesehatan floor: E08 works in Kota Bekasi (UMK 2025 5,690,752) on a wage of 5,000,000 (below it):
#   base = 5,690,752 -> employee 1% = 56,907.52 -> 56,908; employer 4% = 227,630.08 -> 227,630
def test_bpjs_kesehatan_is_floored_at_the_regional_minimum_wage(con):
    master, events = employee("E08", "TK/0", "2020-01-01", 4_500_000, 500_000)
    master["work_location"] = "ID-JB-KOTA-BEKASI"
    events = [dict(e, department_id="D9") for e in events]  # a department missing from the department list
    lines = payslip("E08", "2025-03", BASIC=4_500_000, ALW_FIXED=500_000)
    recalc = build(con, [(master, events)], lines)
    assert recalc[("2025-03", "E08", "BPJS_KES_EE")]["expected"] == 56_908
    assert recalc[("2025-03", "E08", "BPJS_KES_ER")]["expected"] == 227_630
    assert recalc[("2025-03", "E08", "JHT_EE")]["expected"] == 100_000  # JHT has no floor: 2% x 5,000,000


# A wage too large for the product 2 x base x rate (in ten-thousandths of a percent) to fit a bigint (Rp200 trillion
# a month, a unit error in an export: 2 x 2e14 x 37,000 > 2^63) is still recomputed exactly, in hugeint: JHT 2% and
# 3.7% of the whole wage, Kesehatan and JP on their caps.
def test_bpjs_of_a_wage_beyond_bigint_arithmetic_is_exact(con):
    lines = payslip("E10", "2025-03", BASIC=180_000_000_000_000, ALW_FIXED=20_000_000_000_000)
    recalc = build(con, [employee("E10", "TK/0", "2020-01-01", 180_000_000_000_000, 20_000_000_000_000)], lines)
    assert recalc[("2025-03", "E10", "JHT_EE")]["expected"] == 4_000_000_000_000
    assert recalc[("2025-03", "E10", "JHT_ER")]["expected"] == 7_400_000_000_000
    assert recalc[("2025-03", "E10", "BPJS_KES_EE")]["expected"] == 120_000
    assert recalc[("2025-03", "E10", "JP_EE")]["expected"] == 105_474


# --- overtime ---------------------------------------------------------------------------------------------------------
# E05, wage 8,650,000 (8,000,000 + 650,000) -> hourly 8,650,000 / 173 = 50,000.
#   Tuesday 2025-03-04, a working day, 4 hours: the first hour x1.5 + three more x2 = 1.5 + 6 = 7.5 -> 375,000
#   Saturday 2025-04-12, a rest day of the 5-day week, 9 hours: 8 x2 + 1 x3 = 19 -> 950,000
OVERTIME_DAYS = [
    {"employee_id": "E05", "attendance_date": D("2025-03-04"), "status": "present", "day_type": "workday",
     "overtime_hours_approved": 4},
    {"employee_id": "E05", "attendance_date": D("2025-04-12"), "status": "present", "day_type": "restday",
     "overtime_hours_approved": 9},
]  # fmt: skip


def test_overtime_first_working_day_hour_and_three_more(con):
    lines = payslip("E05", "2025-03", BASIC=8_000_000, ALW_FIXED=650_000, OVERTIME=375_000)
    lines += payslip("E05", "2025-04", BASIC=8_000_000, ALW_FIXED=650_000, OVERTIME=900_000)
    recalc = build(con, [employee("E05", "TK/0", "2020-01-01", 8_000_000, 650_000)], lines, OVERTIME_DAYS)
    assert recalc[("2025-03", "E05", "OVERTIME")] == {
        "expected": 375_000, "actual": 375_000, "difference": 0, "problem": None
    }  # fmt: skip
    assert recalc[("2025-04", "E05", "OVERTIME")]["expected"] == 950_000
    assert recalc[("2025-04", "E05", "OVERTIME")]["difference"] == -50_000  # the ninth hour paid at x2


def test_rest_day_overtime_follows_the_work_week_setting(con):
    # 6-day week, Saturday's 9 hours as a rest day: 7 x2 + 1 x3 + 1 x4 = 21 -> 1,050,000
    lines = payslip("E05", "2025-04", BASIC=8_000_000, ALW_FIXED=650_000, OVERTIME=1_050_000)
    rest_day = [dict(OVERTIME_DAYS[1], day_type="restday")]
    recalc = build(con, [employee("E05", "TK/0", "2020-01-01", 8_000_000, 650_000)], lines, rest_day,
                   Settings(reporting_months=12, work_week_days=6))  # fmt: skip
    assert recalc[("2025-04", "E05", "OVERTIME")]["expected"] == 1_050_000


# --- bad input ---------------------------------------------------------------------------------------------------
def test_bad_input_gets_a_sentence_not_a_number(con):
    people = [
        employee("E06", None, "2020-01-01", 8_000_000, 1_000_000),  # no PTKP status in the master
        employee("E07", "TK/9", "2020-01-01", 8_000_000, 1_000_000),  # a status the reference does not know
        employee("E09", "K/I/0", "2020-01-01", 8_000_000, 1_000_000),  # K/I has no TER category
        employee("E10", "TK/0", "2018-01-01", 8_000_000, 1_000_000),  # paid in 2019: no Pasal 17 nor Kesehatan rate
    ]
    lines = payslip("E06", "2025-03", BASIC=8_000_000)
    lines += payslip("E07", "2025-03", BASIC=8_000_000)
    lines += payslip("E09", "2025-03", BASIC=8_000_000)
    lines += payslip("E99", "2025-03", BASIC=8_000_000)  # nobody in HR has this id
    lines += payslip("E01", "2025-03", MEAL=100_000) + payslip("E10", "2019-06", BASIC=8_000_000)
    people.append(employee("E01", "TK/0", "2020-01-01", 8_000_000, 1_000_000))
    recalc = build(con, people, lines)

    def problem(period, who, code):
        row = recalc[(period, who, code)]
        assert row["expected"] is None and row["difference"] is None, row
        return row["problem"]

    assert "no PTKP status" in problem("2025-03", "E06", "PPH21")
    assert "'TK/9'" in problem("2025-03", "E07", "PPH21")
    assert "no TER category" in problem("2025-03", "E09", "PPH21")
    assert "not in the HR master or job history" in problem("2025-03", "E99", "PPH21")
    assert "not in the HR master or job history" in problem("2025-03", "E99", "JP_EE")
    assert "not in the payroll component catalogue" in problem("2025-03", "E01", "MEAL")
    assert "No Pasal 17 brackets" in problem("2019-06", "E10", "PPH21")
    assert "No rate for BPJS program BPJS_KESEHATAN" in problem("2019-06", "E10", "BPJS_KES_EE")
    # what can be computed still is: JHT has a rate in 2019 and E06's BPJS needs no PTKP status
    assert recalc[("2019-06", "E10", "JHT_EE")]["expected"] == 180_000
    assert recalc[("2025-03", "E06", "JHT_EE")]["expected"] == 180_000


def test_pay_for_someone_not_employed_that_month_is_taxed_as_a_regular_month(con):
    # E11 left on 2025-01-31 but is still paid in February (a paid-after-termination case for the controls):
    # February is not the leaving month, so it is a TER month outside the tax year: 2% x 10,000,000 = 200,000.
    people = [employee("E11", "TK/0", "2020-01-01", 10_000_000, 0, termination="2025-01-31")]
    lines = payslip("E11", "2025-02", BASIC=10_000_000, PPH21=200_000)
    recalc = build(con, people, lines)
    assert recalc[("2025-02", "E11", "PPH21")]["expected"] == 200_000
    assert recalc[("2025-02", "E11", "PPH21")]["problem"] is None


# --- not computable is null, never false ---------------------------------------------------------------------------
def test_a_december_that_cannot_be_recalculated_is_not_checked_rather_than_a_mismatch(con):
    # E02's payslips of November and December 2025 only: the data starts in November and E02 was employed before,
    # so the annual recalculation of December lacks January-October. November is a TER month (9% x 20,588,000 =
    # 1,852,920, paid as due); December's PPh 21 has no expected amount, and is_match is null (not checked), not
    # false. December's BPJS are still recomputed and match. The income-tax control judges November only.
    from assets.controls.runner import build_controls

    lines = [line for line in december_year() if line["period"] in ("2025-11", "2025-12")]
    build(con, [employee("E02", "TK/0", "2020-01-01", 18_000_000, 2_000_000)], lines)
    rows = {(p, c): (x, a, m, why) for p, c, x, a, m, why in con.execute(
        "select strftime(period, '%Y-%m'), component_code, expected_idr, actual_idr, is_match, problem "
        "from marts.payroll_recalculation where employee_id = 'E02'"
    ).fetchall()}  # fmt: skip
    assert rows[("2025-11", "PPH21")] == (1_852_920, 1_852_920, True, None)
    expected, actual, is_match, problem = rows[("2025-12", "PPH21")]
    assert (expected, actual, is_match) == (None, 767_880, None)
    assert "needs the whole tax year" in problem
    assert rows[("2025-12", "JP_EE")] == (105_474, 105_474, True, None)
    assert all(m is True for (p, c), (_x, _a, m, _w) in rows.items() if (p, c) != ("2025-12", "PPH21"))
    build_controls(con, Settings(reporting_months=12), names=["int_findings__income_tax",
                                                              "int_findings__social_security"])  # fmt: skip
    assert con.execute("select count(*) from core.int_findings__income_tax").fetchone() == (0,)
    assert con.execute("select count(*) from core.int_findings__social_security").fetchone() == (0,)


def test_a_difference_is_false_and_nothing_paid_where_nothing_is_due_is_a_match(con):
    # E01's March payslip withholds 150,000 where 200,000 is due: false. E03 earns 4,000,000 (TER A, 0% up to
    # 5,400,000) and has no PPH21 line: nothing withheld where nothing is due is a match; the BPJS contributions
    # missing from his payslip (Kesehatan on the Jakarta minimum-wage floor, JHT, JP, JKK, JKM) are due, so each is
    # a mismatch (nothing paid counts as 0).
    wrong = [dict(line, amount_idr=150_000) if line["component_code"] == "PPH21" else line for line in TER_MONTH]
    people = [employee("E01", "TK/0", "2020-01-01", 8_000_000, 1_000_000),
              employee("E03", "TK/0", "2020-01-01", 4_000_000, 0)]  # fmt: skip
    build(con, people, wrong + payslip("E03", "2025-03", BASIC=4_000_000))
    got = {(e, c): (x, a, m) for e, c, x, a, m in con.execute(
        "select employee_id, component_code, expected_idr, actual_idr, is_match from marts.payroll_recalculation"
    ).fetchall()}  # fmt: skip
    assert got.pop(("E01", "PPH21")) == (200_000, 150_000, False)
    assert {m for (e, _c), (_x, _a, m) in got.items() if e == "E01"} == {True}
    assert got.pop(("E03", "PPH21")) == (0, 0, True)
    assert {(x > 0, a or 0, m) for (e, _c), (x, a, m) in got.items() if e == "E03"} == {(True, 0, False)}


# --- six-day week and mid-month transfers --------------------------------------------------------------------------
# E05 again (hourly 50,000). Saturday 2025-04-12, 4 hours, and the attendance export gives no day type, so the
# calendar decides: in a six-day week Saturday is a working day (1 x1.5 + 3 x2 = 7.5 -> 375,000); in a five-day week
# it is a rest day (4 x2 = 8 -> 400,000).
@pytest.mark.parametrize(("work_week_days", "expected"), [(6, 375_000), (5, 400_000)])
def test_saturday_overtime_is_workday_overtime_in_a_six_day_week(con, work_week_days, expected):
    saturday = [{"employee_id": "E05", "attendance_date": D("2025-04-12"), "status": "present",
                 "overtime_hours_approved": 4}]  # fmt: skip
    lines = payslip("E05", "2025-04", BASIC=8_000_000, ALW_FIXED=650_000, OVERTIME=375_000)
    recalc = build(con, [employee("E05", "TK/0", "2020-01-01", 8_000_000, 650_000)], lines, saturday,
                   Settings(reporting_months=12, work_week_days=work_week_days))  # fmt: skip
    assert recalc[("2025-04", "E05", "OVERTIME")]["expected"] == expected


# E12 earns 4,000,000 in D1 (DKI Jakarta) and moves to D2 (Kota Bekasi) on Wednesday 2025-03-12 with a raise to
# 5,000,000; E13 makes the same move on 2025-03-27, after the pay date (the 25th). March payslips:
#   department: E12's is D2's (the department on the pay date), E13's is still D1's
#   wage: both are recomputed on 5,000,000, the pay in force when March's payroll closes, in D2's region: BPJS
#   Kesehatan is floored at the Kota Bekasi UMK 2025 5,690,752 -> employee 1% = 56,908, employer 4% = 227,630;
#   JHT employee 2% x 5,000,000 = 100,000.
def test_a_mid_month_transfer_moves_the_payslip_and_its_wage_region(con):
    load_reference(con)
    create_staging(con, "hris__departments", [
        {"department_id": "D1", "department_name": "Jakarta office", "region_code": "ID-JK"},
        {"department_id": "D2", "department_name": "Bekasi plant", "region_code": "ID-JB-KOTA-BEKASI"},
    ])  # fmt: skip
    masters, events = [], []
    for who, moved in (("E12", "2025-03-12"), ("E13", "2025-03-27")):
        master, hired = employee(who, "TK/0", "2020-01-01", 4_000_000, 0)
        masters.append(master)
        events += hired + [{"event_id": f"{who}-3", "employee_id": who, "event_date": D(moved),
                            "event_type": "transfer", "department_id": "D2", "employment_type": "PKWTT",
                            "base_salary_idr": 5_000_000, "fixed_allowance_idr": 0}]  # fmt: skip
    create_staging(con, "hris__employees", masters)
    create_staging(con, "hris__job_history", events)
    create_staging(con, "hris__attendance", [])
    create_payroll_catalogue(con)
    create_staging(con, "payroll__payslip_lines", payslip("E12", "2025-03", BASIC=5_000_000, BPJS_KES_EE=56_908)
                   + payslip("E13", "2025-03", BASIC=5_000_000, BPJS_KES_EE=56_908))  # fmt: skip
    run_models(con, Settings(reporting_months=12), *HR_CORE, *PAYROLL_RECALCULATION)
    departments = dict(con.execute("select employee_id, department_id from core.fct_payslip").fetchall())
    assert departments == {"E12": "D2", "E13": "D1"}
    got = {(e, c): (x, m) for e, c, x, m in con.execute(
        "select employee_id, component_code, expected_idr, is_match from marts.payroll_recalculation "
        "where component_code in ('BPJS_KES_EE', 'BPJS_KES_ER', 'JHT_EE')"
    ).fetchall()}  # fmt: skip
    for who in ("E12", "E13"):
        assert got[(who, "BPJS_KES_EE")] == (56_908, True)
        assert got[(who, "BPJS_KES_ER")] == (227_630, False)  # not on the payslip: due, and missing
        assert got[(who, "JHT_EE")] == (100_000, False)
