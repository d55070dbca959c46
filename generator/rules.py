"""Pure payroll rule functions (PPh 21, BPJS, overtime, THR, pro-rating), vectorised over numpy arrays.

Every value (rates, caps, brackets, PTKP, multipliers, divisors) is read from ``Reference`` for the date
given. Money is integer rupiah; rates are integer millionths, so each amount is exact integer arithmetic
followed by one half-up rounding (``floor(x + 0.5)``) at the payslip-line level.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from generator.reference import RATE_SCALE, Reference

IntArray = np.ndarray
_BIG = np.int64(2**60)


def half_up(num: IntArray | int, den: IntArray | int) -> IntArray | int:
    """num / den rounded half up (floor(x + 0.5)) with integers only."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    out = (2 * num + den) // (2 * den)
    return int(out) if out.ndim == 0 else out


def apply_rate(base: IntArray | int, units: IntArray | int) -> IntArray | int:
    """base × rate, the rate in millionths, rounded half up."""
    return half_up(np.asarray(base, dtype=np.int64) * np.asarray(units, dtype=np.int64), RATE_SCALE)


def prorate(amount: IntArray | int, days: IntArray | int, days_in_month: int) -> IntArray | int:
    """Calendar-day pro-rating: amount × days employed / calendar days of the month, half up."""
    return half_up(np.asarray(amount, dtype=np.int64) * np.asarray(days, dtype=np.int64), days_in_month)


# -- PPh 21 ---------------------------------------------------------------------------------------------
def ter_category(ref: Reference, ptkp_status: str, on: dt.date) -> str:
    return ref.ptkp(ptkp_status, on)[1]


def ter_rate_units(ref: Reference, category: str, gross: IntArray | int, on: dt.date) -> IntArray:
    """TER rate (millionths) of ``category`` for monthly gross: the band with lower < gross <= upper."""
    table = ref.ter_table(category, on)
    idx = np.searchsorted(table.uppers, np.asarray(gross, dtype=np.float64), side="left")
    return table.rate_units[np.minimum(idx, len(table.uppers) - 1)]


def ter_rate(ref: Reference, category: str, gross: int, on: dt.date) -> float:
    """TER rate in percent (scalar convenience)."""
    return float(ter_rate_units(ref, category, np.array([gross]), on)[0]) / 10_000


def pph21_ter(ref: Reference, categories: np.ndarray, gross: IntArray, on: dt.date) -> IntArray:
    """Monthly PPh 21 under TER: rate of the PTKP category × monthly taxable gross, half up."""
    categories = np.asarray(categories)
    gross = np.asarray(gross, dtype=np.int64)
    units = np.zeros(gross.shape, dtype=np.int64)
    for cat in np.unique(categories):
        m = categories == cat
        units[m] = ter_rate_units(ref, str(cat), gross[m], on)
    return apply_rate(gross, units)


def pasal17_tax(ref: Reference, pkp: IntArray | int, on: dt.date) -> IntArray | int:
    """Annual tax on PKP by the progressive Pasal 17 brackets in force on ``on``."""
    br = ref.pasal17(on)
    scalar = np.ndim(pkp) == 0
    pkp = np.atleast_1d(np.asarray(pkp, dtype=np.int64))
    widths = np.where(np.isinf(br.uppers), _BIG, np.where(np.isinf(br.uppers), 0, br.uppers) - br.lowers)
    seg = np.clip(pkp[:, None] - br.lowers[None, :], 0, widths.astype(np.int64)[None, :])
    tax = half_up((seg * br.rate_units[None, :]).sum(axis=1), RATE_SCALE)
    return int(tax[0]) if scalar else tax


def _pph21_params(ref: Reference, on: dt.date) -> tuple[int, int, int, int]:
    bj_units = int(round(ref.parameter_number("pph21_parameters", "biaya_jabatan_pct", on) * 10_000))
    cap_m = int(ref.parameter_number("pph21_parameters", "biaya_jabatan_monthly_cap_idr", on))
    cap_y = int(ref.parameter_number("pph21_parameters", "biaya_jabatan_annual_cap_idr", on))
    rounding = int(ref.parameter_number("pph21_parameters", "pkp_rounding_down_idr", on))
    return bj_units, cap_m, cap_y, rounding


def biaya_jabatan(ref: Reference, gross: IntArray, months: IntArray, on: dt.date) -> IntArray:
    """Occupational deduction (for display/tests): pct × gross capped at monthly cap × months and the
    annual cap, rounded half up."""
    bj_units, cap_m, cap_y, _ = _pph21_params(ref, on)
    gross = np.asarray(gross, dtype=np.int64)
    cap = np.minimum(cap_m * np.asarray(months, dtype=np.int64), cap_y)
    return np.minimum(apply_rate(gross, bj_units), cap)


def pkp_annual(
    ref: Reference, gross: IntArray, months: IntArray, jht_ee: IntArray, jp_ee: IntArray,
    ptkp_annual: IntArray, on: dt.date,
) -> IntArray:  # fmt: skip
    """PKP of a year: gross − biaya jabatan (capped) − employee JHT − employee JP − PTKP, rounded down."""
    bj_units, cap_m, cap_y, rounding = _pph21_params(ref, on)
    gross = np.asarray(gross, dtype=np.int64)
    cap = np.minimum(cap_m * np.asarray(months, dtype=np.int64), cap_y)
    bj_scaled = np.minimum(gross * bj_units, cap * RATE_SCALE)
    deductions = np.asarray(jht_ee, dtype=np.int64) + np.asarray(jp_ee, dtype=np.int64)
    net_scaled = (gross - deductions - np.asarray(ptkp_annual, dtype=np.int64)) * RATE_SCALE - bj_scaled
    return np.maximum(net_scaled // (rounding * RATE_SCALE), 0) * rounding


def pph21_annual(
    ref: Reference, gross: IntArray, months: IntArray, jht_ee: IntArray, jp_ee: IntArray,
    ptkp_annual: IntArray, on: dt.date,
) -> IntArray:  # fmt: skip
    """Annual PPh 21 by Pasal 17 on the year's PKP (December / leaving-month recalculation)."""
    return pasal17_tax(ref, pkp_annual(ref, gross, months, jht_ee, jp_ee, ptkp_annual, on), on)


def pph21_annualised_month(
    ref: Reference, gross: IntArray, jht_ee: IntArray, jp_ee: IntArray, ptkp_annual: IntArray,
    on: dt.date,
) -> IntArray:  # fmt: skip
    """Monthly PPh 21 before TER: Pasal 17 tax on (12 × (gross − biaya jabatan of the month − JHT − JP)
    − PTKP, rounded down) / 12, half up."""
    bj_units, cap_m, _, rounding = _pph21_params(ref, on)
    gross = np.asarray(gross, dtype=np.int64)
    bj_scaled = np.minimum(gross * bj_units, cap_m * RATE_SCALE)
    deductions = np.asarray(jht_ee, dtype=np.int64) + np.asarray(jp_ee, dtype=np.int64)
    month_scaled = (gross - deductions) * RATE_SCALE - bj_scaled
    annual_scaled = 12 * month_scaled - np.asarray(ptkp_annual, dtype=np.int64) * RATE_SCALE
    pkp = np.maximum(annual_scaled // (rounding * RATE_SCALE), 0) * rounding
    return half_up(pasal17_tax(ref, pkp, on), 12)


# -- BPJS -----------------------------------------------------------------------------------------------
#: payslip component -> (reference program, side). JKK's program is configurable (risk class).
BPJS_COMPONENTS: dict[str, tuple[str, str]] = {
    "BPJS_KES_EE": ("BPJS_KESEHATAN", "employee"),
    "BPJS_KES_ER": ("BPJS_KESEHATAN", "employer"),
    "JHT_EE": ("JHT", "employee"),
    "JHT_ER": ("JHT", "employer"),
    "JP_EE": ("JP", "employee"),
    "JP_ER": ("JP", "employer"),
    "JKK_ER": ("JKK", "employer"),
    "JKM_ER": ("JKM", "employer"),
}


def bpjs_base(ref: Reference, program: str, wage: IntArray, region_min_wage: IntArray, on: dt.date) -> IntArray:
    """Contribution base of one program: the wage, floored at the regional minimum wage where the program
    has a wage floor, and capped at the program's wage cap in force."""
    prog = ref.bpjs(program, on)
    base = np.asarray(wage, dtype=np.int64)
    if prog.wage_floor:
        base = np.maximum(base, np.asarray(region_min_wage, dtype=np.int64))
    if prog.wage_cap_idr is not None:
        base = np.minimum(base, prog.wage_cap_idr)
    return base


def bpjs_contributions(
    ref: Reference, wage: IntArray, region_min_wage: IntArray, on: dt.date,
    jkk_program: str = "JKK_RISK_I_VERY_LOW",
) -> dict[str, IntArray]:  # fmt: skip
    """Employee and employer BPJS amounts per payslip component for monthly wage (basic + fixed
    allowance, not pro-rated)."""
    out: dict[str, IntArray] = {}
    for code, (program, side) in BPJS_COMPONENTS.items():
        program = jkk_program if program == "JKK" else program
        prog = ref.bpjs(program, on)
        base = bpjs_base(ref, program, wage, region_min_wage, on)
        units = prog.employer_units if side == "employer" else prog.employee_units
        out[code] = apply_rate(base, units)
    return out


# -- overtime -------------------------------------------------------------------------------------------
def overtime_scenario(day_type: str, work_week_days: int) -> str:
    return "workday" if day_type == "workday" else f"restday_or_holiday_{work_week_days}day_week"


def overtime_multiplier_hours(
    ref: Reference, hours: np.ndarray, day_type: str, on: dt.date, work_week_days: int = 5
) -> np.ndarray:
    """Σ hours × multiplier by hour number for one day type. Hours past the table's last tier use the
    last tier's multiplier."""
    tiers = ref.overtime_tiers(overtime_scenario(day_type, work_week_days), on)
    hours = np.asarray(hours, dtype=np.float64)
    total = np.zeros(hours.shape, dtype=np.float64)
    for i, (start, end, mult) in enumerate(tiers):
        width = math.inf if i == len(tiers) - 1 else end - start + 1
        total += np.clip(hours - (start - 1), 0, width) * mult
    return total


def overtime_pay(monthly_wage: IntArray | int, multiplier_hours_x100: IntArray | int, divisor: int) -> IntArray | int:
    """Overtime pay = monthly wage / divisor (hourly wage) × Σ multiplier-hours, half up once.

    ``multiplier_hours_x100`` is Σ(hours × multiplier) × 100 as an integer (exact for quarter hours)."""
    num = np.asarray(monthly_wage, dtype=np.int64) * np.asarray(multiplier_hours_x100, dtype=np.int64)
    return half_up(num, divisor * 100)


# -- THR ------------------------------------------------------------------------------------------------
def months_of_service(start: np.ndarray, on: dt.date) -> np.ndarray:
    """Completed months from ``start`` (datetime64[D]) to ``on``."""
    start = np.asarray(start, dtype="datetime64[D]")
    y = start.astype("datetime64[Y]").astype(np.int64) + 1970
    m = start.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (start - start.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    months = (on.year - y) * 12 + (on.month - m) - (on.day < d).astype(np.int64)
    return np.maximum(months, 0)


def thr_entitlement(monthly_wage: IntArray, months: IntArray, full_months: int = 12, min_months: int = 1) -> IntArray:
    """THR: one month's wage from ``full_months`` of service, months/full_months of it from
    ``min_months``, nothing below (both from labour_parameters)."""
    months = np.asarray(months, dtype=np.int64)
    full = np.asarray(monthly_wage, dtype=np.int64)
    amount = half_up(full * np.minimum(months, full_months), full_months)
    return np.where(months >= min_months, amount, 0)
