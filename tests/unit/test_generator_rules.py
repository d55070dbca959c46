"""Hand-computed checks of the generator's payroll rule functions (values from the reference CSVs)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from generator.calendar import Calendar
from generator.reference import Reference
from generator.rules import (
    bpjs_contributions,
    half_up,
    months_of_service,
    overtime_multiplier_hours,
    overtime_pay,
    pasal17_tax,
    pph21_annual,
    pph21_annualised_month,
    pph21_ter,
    prorate,
    ter_rate,
    thr_entitlement,
)  # fmt: skip


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference()


JUNE_2025 = dt.date(2025, 6, 1)


def test_half_up_and_prorate():
    assert half_up(5, 2) == 3  # 2.5 -> 3
    assert half_up(7, 3) == 2  # 2.33 -> 2
    assert prorate(10_000_000, 15, 30) == 5_000_000
    assert prorate(10_000_000, 1, 31) == 322_581  # 322,580.645 -> 322,581


def test_ter_tk0_10m_in_2024_is_200k(ref):
    # TK/0 is category A; 9,650,000 < 10,000,000 <= 10,050,000 -> 2%
    assert ter_rate(ref, "A", 10_000_000, dt.date(2024, 6, 1)) == 2.0
    assert pph21_ter(ref, np.array(["A"]), np.array([10_000_000]), dt.date(2024, 6, 1))[0] == 200_000


def test_ter_band_edges(ref):
    on = dt.date(2024, 6, 1)
    assert ter_rate(ref, "A", 5_400_000, on) == 0.0  # upper bound is inclusive
    assert ter_rate(ref, "A", 5_400_001, on) == 0.25
    assert ter_rate(ref, "C", 6_600_000, on) == 0.0
    assert ter_rate(ref, "A", 2_000_000_000, on) == 34.0  # open top band


def test_pasal17_brackets(ref):
    on = dt.date(2025, 12, 1)
    assert pasal17_tax(ref, 0, on) == 0
    assert pasal17_tax(ref, 60_000_000, on) == 3_000_000
    # 5% x 60m + 15% x 190m + 25% x 50m
    assert pasal17_tax(ref, 300_000_000, on) == 3_000_000 + 28_500_000 + 12_500_000


def test_overtime_four_workday_hours(ref):
    wage = 8_650_000  # hourly = 8,650,000 / 173 = 50,000
    mh = overtime_multiplier_hours(ref, np.array([4.0]), "workday", JUNE_2025)[0]
    assert mh == 1.5 + 3 * 2.0
    h = wage / 173
    assert overtime_pay(wage, int(round(mh * 100)), 173) == round(1.5 * h + 3 * 2 * h) == 375_000


def test_overtime_half_hours_and_rest_day(ref):
    mh = overtime_multiplier_hours(ref, np.array([2.5]), "workday", JUNE_2025)[0]
    assert mh == 1.5 + 1.5 * 2.0
    # 5-day week rest day: hours 1-8 x2, hour 9 x3, hours 10-12 x4
    rest = overtime_multiplier_hours(ref, np.array([10.0]), "restday", JUNE_2025, 5)[0]
    assert rest == 8 * 2.0 + 3.0 + 4.0
    # 7,000,000 / 173 x 4.5 = 182,080.92 -> 182,081
    assert overtime_pay(7_000_000, 450, 173) == 182_081


def test_jp_capped_at_cap_in_force(ref):
    wage = np.array([20_000_000])
    minw = np.array([5_396_761])
    feb = bpjs_contributions(ref, wage, minw, dt.date(2025, 2, 1))  # cap 10,042,300 until 2025-02-28
    mar = bpjs_contributions(ref, wage, minw, dt.date(2025, 3, 1))  # cap 10,547,400 from 2025-03-01
    assert feb["JP_EE"][0] == 100_423 and feb["JP_ER"][0] == 200_846
    assert mar["JP_EE"][0] == 105_474 and mar["JP_ER"][0] == 210_948
    assert mar["JHT_EE"][0] == 400_000 and mar["JHT_ER"][0] == 740_000  # no cap
    assert mar["JKK_ER"][0] == 48_000 and mar["JKM_ER"][0] == 60_000


def test_kesehatan_cap_and_regional_floor(ref):
    out = bpjs_contributions(ref, np.array([15_000_000, 3_000_000]), np.array([5_396_761, 5_396_761]), JUNE_2025)
    assert out["BPJS_KES_EE"].tolist() == [120_000, 53_968]  # 12m cap; floor 5,396,761 x 1% = 53,967.61
    assert out["BPJS_KES_ER"].tolist() == [480_000, 215_870]  # 4% = 215,870.44


def test_december_recalculation_with_capped_biaya_jabatan(ref):
    dec = dt.date(2025, 12, 1)
    # 12 months x 15m gross: biaya jabatan 5% = 9m, capped at 6m; JHT 3.6m, JP 1.2m; PTKP TK/0 54m
    # net 180 - 6 - 3.6 - 1.2 = 169.2m; PKP 115.2m; tax 5% x 60m + 15% x 55.2m = 11.28m
    annual = pph21_annual(ref, np.array([180_000_000]), np.array([12]), np.array([3_600_000]),
                          np.array([1_200_000]), np.array([54_000_000]), dec)  # fmt: skip
    assert annual[0] == 11_280_000
    withheld = 10_000_000
    assert annual[0] - withheld == 1_280_000  # December line
    # five months with this employer: cap 5 x 500k = 2.5m < 5% of 60m; net 60 - 2.5 - 1.2 - 0.6 - 54 = 1.7m
    part = pph21_annual(ref, np.array([60_000_000]), np.array([5]), np.array([1_200_000]),
                        np.array([600_000]), np.array([54_000_000]), dec)  # fmt: skip
    assert part[0] == 85_000  # 5% x 1,700,000
    assert part[0] - 400_000 < 0  # over-withheld: a refund


def test_annualised_monthly_method_before_2024(ref):
    # 10m gross, biaya jabatan 500k (5%, at the monthly cap), JHT 200k, JP 100k, TK/0:
    # (12 x 9.2m - 54m) = 56.4m -> 5% = 2.82m a year -> 235,000 a month
    tax = pph21_annualised_month(ref, np.array([10_000_000]), np.array([200_000]), np.array([100_000]),
                                 np.array([54_000_000]), dt.date(2023, 6, 1))  # fmt: skip
    assert tax[0] == 235_000


def test_method_and_caps_are_effective_dated(ref):
    assert ref.pph21_method(dt.date(2023, 12, 31)) == "ANNUALISED"
    assert ref.pph21_method(dt.date(2024, 1, 1)) == "TER"
    assert ref.bpjs("JP", dt.date(2024, 2, 29)).wage_cap_idr == 9_559_600
    assert ref.bpjs("JP", dt.date(2024, 3, 1)).wage_cap_idr == 10_042_300
    assert ref.min_wage("ID-JK", 2026) == 5_729_876


def test_thr_entitlement_and_service():
    hire = np.array(["2024-01-10", "2025-09-21", "2026-03-01", "2026-02-25"], dtype="M8[D]")
    holiday = dt.date(2026, 3, 21)
    months = months_of_service(hire, holiday)
    assert months.tolist() == [26, 6, 0, 0]
    assert thr_entitlement(np.full(4, 12_000_000), months).tolist() == [12_000_000, 6_000_000, 0, 0]
    assert thr_entitlement(np.array([7_000_000]), np.array([1]))[0] == 583_333  # 7m / 12


def test_thr_run_is_before_the_deadline(ref):
    periods = ["2024-02", "2024-03", "2024-04", "2026-02", "2026-03"]
    cal = Calendar(ref, periods, set(periods), 5)
    # Idul Fitri 2024-04-10: deadline 04-03, the March run (25th) is in time
    assert cal.by_period["2024-03"].thr_holidays == [dt.date(2024, 4, 10)]
    # Idul Fitri 2026-03-21: deadline 03-14, so the February run pays it
    assert cal.by_period["2026-02"].thr_holidays == [dt.date(2026, 3, 21)]
    assert cal.by_period["2026-03"].thr_holidays == []
    assert cal.pay_date("2025-05") == dt.date(2025, 5, 23)  # the 25th is a Sunday
