"""Monthly payroll: payslip lines per employee and a per-department summary for finance.

Rules (all values from the reference CSVs for the first day of the period):
- Pro-rating: BASIC and ALW_FIXED × calendar days employed in the month / calendar days of the month for a
  joiner or leaver (hire and termination dates count as employed days); everyone else gets the full amount.
- OVERTIME = (basic + fixed allowance) / overtime divisor × Σ (hours × multiplier by hour number), by day
  type (workday, or rest day/holiday of the configured work week).
- THR in the run whose pay date is at least the deadline before the THR reference holiday: 1 month of
  (basic + fixed allowance) from 12 months of service, months/12 of it from 1 month, for everyone employed
  on the pay date (interns included: company policy). BONUS: some employees in some March runs.
- BPJS on basic + fixed allowance (full month, not pro-rated): JP capped by the cap in force, Kesehatan capped
  and floored at the work region's minimum wage, JHT uncapped, JKK by the configured risk class, JKM.
- PPh 21 taxable gross = earnings + employer JKK + JKM + BPJS Kesehatan. TER months: TER rate of the PTKP
  category × gross. ANNUALISED months (before 2024): Pasal 17 on the annualised net / 12. December and the
  leaving month: annual recalculation minus tax already withheld this year with this employer (may be a
  negative line = refund). No 20% surcharge for a missing tax id (the NIK serves as tax id).
- Rounding: each line amount is rounded to whole rupiah half up once (integer arithmetic); zero lines are
  not written. Net pay = earnings − employee deductions − PPH21.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from generator.attendance import AttendanceMonth
from generator.calendar import Month
from generator.context import Context
from generator.org import DEPT_IDS, DEPT_REGION
from generator.rules import (
    bpjs_contributions,
    months_of_service,
    overtime_pay,
    pph21_annual,
    pph21_annualised_month,
    pph21_ter,
    prorate,
    thr_entitlement,
)
from generator.workforce import Workforce, d64

# code, name, type, category, program (JKK: configured risk class), taxable
COMPONENTS: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("BASIC", "Basic salary", "earning", "basic", "", True),
    ("ALW_FIXED", "Fixed allowance", "earning", "allowance_fixed", "", True),
    ("OVERTIME", "Overtime pay", "earning", "overtime", "", True),
    ("THR", "Religious holiday allowance (THR)", "earning", "thr", "", True),
    ("BONUS", "Annual bonus", "earning", "bonus", "", True),
    ("BPJS_KES_EE", "BPJS Kesehatan - employee", "deduction", "bpjs_employee", "BPJS_KESEHATAN", False),
    ("BPJS_KES_ER", "BPJS Kesehatan - employer", "employer_contribution", "bpjs_employer", "BPJS_KESEHATAN", True),
    ("JHT_EE", "JHT old-age savings - employee", "deduction", "bpjs_employee", "JHT", False),
    ("JHT_ER", "JHT old-age savings - employer", "employer_contribution", "bpjs_employer", "JHT", False),
    ("JP_EE", "JP pension - employee", "deduction", "bpjs_employee", "JP", False),
    ("JP_ER", "JP pension - employer", "employer_contribution", "bpjs_employer", "JP", False),
    ("JKK_ER", "JKK work-accident insurance - employer", "employer_contribution", "bpjs_employer", "JKK", True),
    ("JKM_ER", "JKM death insurance - employer", "employer_contribution", "bpjs_employer", "JKM", True),
    ("PPH21", "PPh 21 income tax", "tax", "pph21", "", False),
)  # fmt: skip
CODES = [c[0] for c in COMPONENTS]
EARNINGS = [c[0] for c in COMPONENTS if c[2] == "earning"]
DEDUCTIONS = [c[0] for c in COMPONENTS if c[2] == "deduction"]
EMPLOYER = [c[0] for c in COMPONENTS if c[2] == "employer_contribution"]
TAXABLE = [c[0] for c in COMPONENTS if c[5]]
P_BONUS_YEAR, P_BONUS = 0.75, 0.4


def components_frame(jkk_program: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "component_code": code,
                "component_name": name,
                "component_type": typ,
                "category": cat,
                "program": jkk_program if prog == "JKK" else prog,
                "is_taxable": taxable,
            }
            for code, name, typ, cat, prog, taxable in COMPONENTS
        ]
    )


@dataclass
class Draft:
    """One month's amounts before lines are written; anomaly hooks may edit ``lines``."""

    month: Month
    ix: np.ndarray  # workforce slots on this payroll
    lines: dict[str, np.ndarray]
    is_extra: np.ndarray  # paid although not employed (planted)
    final: np.ndarray  # annual recalculation this month
    wage: np.ndarray  # basic + fixed allowance


@dataclass
class PayrollMonth:
    table: pa.Table
    summary: pd.DataFrame
    employees: int


class Payroll:
    def __init__(self, ctx: Context, wf: Workforce) -> None:
        self.ctx, self.wf, self.ref = ctx, wf, ctx.reference
        self.ytd = {k: np.zeros(0, np.int64) for k in ("year", "gross", "jht", "jp", "pph", "months")}
        self._minw: dict[int, np.ndarray] = {}

    def _ensure(self, n: int) -> None:
        for k, v in self.ytd.items():
            if len(v) < n:
                grown = np.zeros(max(n, 2 * len(v)), np.int64)
                grown[: len(v)] = v
                self.ytd[k] = grown

    def run_month(self, month: Month, att: AttendanceMonth, hooks=None) -> PayrollMonth:
        ctx, wf, ref = self.ctx, self.wf, self.ref
        on = month.start
        self._ensure(wf.n)
        start, end = d64(month.start), d64(month.end)
        employed = wf.employed_between(start, end)
        extra = hooks.extra_payees(month) if hooks is not None else np.zeros(0, np.int64)
        employed[extra] = True
        ix = np.nonzero(employed)[0]
        is_extra = np.isin(ix, extra)
        hire, term = wf.hire[ix], wf.term_or_far()[ix]
        days = (np.minimum(term, end) - np.maximum(hire, start)).astype(np.int64) + 1
        days = np.where(is_extra, month.days_in_month, days)
        base, alw = wf.base[ix], wf.alw[ix]
        wage = base + alw
        L: dict[str, np.ndarray] = {}
        L["BASIC"] = prorate(base, days, month.days_in_month)
        L["ALW_FIXED"] = prorate(alw, days, month.days_in_month)
        divisor = int(ref.labour("overtime_hourly_divisor", on))
        ot = np.zeros(wf.n, np.int64)
        ot[: len(att.ot_x100)] = att.ot_x100[: wf.n]
        L["OVERTIME"] = overtime_pay(wage, ot[ix], divisor)
        L["THR"] = self._thr(month, hire, term, wage)
        L["BONUS"] = self._bonus(month, ix, hire, term, base)
        L.update(bpjs_contributions(ref, wage, self._min_wage(month.year)[wf.dept[ix]], on, ctx.config.jkk_program))
        leaving = (term >= start) & (term <= end)
        final = ((month.month == 12) | leaving) & ~is_extra
        draft = Draft(month, ix, L, is_extra, final, wage)
        if hooks is not None:
            hooks.payroll_before_tax(draft)
        L["PPH21"] = self._pph21(month, ix, L, final, is_extra)
        if hooks is not None:
            hooks.payroll_after_tax(draft)
        self._update_ytd(month, ix, L, is_extra, leaving)
        return PayrollMonth(self._table(month, ix, L), self._summary(month, ix, L), len(ix))

    # -- pieces ----------------------------------------------------------------------------------------------
    def _min_wage(self, year: int) -> np.ndarray:
        if year not in self._minw:
            self._minw[year] = np.array([self.ref.min_wage(r, year) for r in DEPT_REGION], dtype=np.int64)
        return self._minw[year]

    def _thr(self, month: Month, hire, term, wage) -> np.ndarray:
        amount = np.zeros(len(hire), np.int64)
        pay = d64(month.pay_date)
        for holiday in month.thr_holidays:
            full = int(self.ref.labour("thr_full_service_months", holiday))
            minimum = int(self.ref.labour("thr_min_service_months", holiday))
            entitled = thr_entitlement(wage, months_of_service(hire, holiday), full, minimum)
            amount += np.where((hire <= pay) & (term >= pay), entitled, 0)
        return amount

    def _bonus(self, month: Month, ix, hire, term, base) -> np.ndarray:
        out = np.zeros(len(ix), np.int64)
        if month.month != 3 or self.ctx.stream("bonus-year", month.year).random() >= P_BONUS_YEAR:
            return out
        rng = self.ctx.stream("bonus", month.year)
        u, f = rng.random(self.wf.n), rng.uniform(0.25, 1.0, self.wf.n)
        pay = d64(month.pay_date)
        cutoff = np.datetime64(dt.date(month.year - 1, 3, 1), "D")
        ok = (hire <= cutoff) & (term >= pay) & (self.wf.emp_type[ix] != 2) & (u[ix] < P_BONUS)
        return np.where(ok, np.round(base * f[ix] / 100_000).astype(np.int64) * 100_000, 0)

    def _pph21(self, month: Month, ix, L, final, is_extra) -> np.ndarray:
        ref, wf, on = self.ref, self.wf, month.start
        taxable = sum(L[c] for c in TAXABLE)
        statuses = wf.ptkp[ix]
        ptkp = np.zeros(len(ix), np.int64)
        cats = np.empty(len(ix), dtype=object)
        for s in np.unique(statuses):
            annual, cat = ref.ptkp(str(s), on)
            ptkp[statuses == s], cats[statuses == s] = annual, cat
        if ref.pph21_method(on) == "TER":
            regular = pph21_ter(ref, cats.astype(str), taxable, on)
        else:
            regular = pph21_annualised_month(ref, taxable, L["JHT_EE"], L["JP_EE"], ptkp, on)
        y = self._ytd_for(ix, month.year)
        annual = pph21_annual(
            ref, y["gross"] + taxable, y["months"] + 1, y["jht"] + L["JHT_EE"], y["jp"] + L["JP_EE"], ptkp, on
        )
        return np.where(final, annual - y["pph"], regular)

    def _ytd_for(self, ix: np.ndarray, year: int) -> dict[str, np.ndarray]:
        same = self.ytd["year"][ix] == year
        return {k: np.where(same, v[ix], 0) for k, v in self.ytd.items() if k != "year"}

    def _update_ytd(self, month: Month, ix, L, is_extra, leaving) -> None:
        keep = ix[~is_extra]
        m = ~is_extra
        taxable = sum(L[c] for c in TAXABLE)[m]
        y = self._ytd_for(keep, month.year)
        self.ytd["gross"][keep] = y["gross"] + taxable
        self.ytd["jht"][keep] = y["jht"] + L["JHT_EE"][m]
        self.ytd["jp"][keep] = y["jp"] + L["JP_EE"][m]
        self.ytd["pph"][keep] = y["pph"] + L["PPH21"][m]
        self.ytd["months"][keep] = y["months"] + 1
        self.ytd["year"][keep] = month.year
        gone = keep[leaving[m]]  # a leaver's tax year with this employment is closed
        self.ytd["year"][gone] = 0

    def _table(self, month: Month, ix, L) -> pa.Table:
        A = np.stack([L[c] for c in CODES], axis=1)
        r, c = np.nonzero(A)
        n = len(r)
        return pa.table(
            {
                "run_id": pa.array(np.full(n, month.run_id), pa.string()),
                "period": pa.array(np.full(n, month.period), pa.string()),
                "pay_date": pa.array(np.full(n, np.datetime64(month.pay_date, "D")), pa.date32()),
                "employee_id": pa.array(self.wf.employee_ids(ix)[r], pa.string()),
                "component_code": pa.array(np.array(CODES)[c], pa.string()),
                "amount_idr": pa.array(A[r, c], pa.int64()),
            }
        )

    def _summary(self, month: Month, ix, L) -> pd.DataFrame:
        dept = self.wf.dept[ix]
        k = len(DEPT_IDS)

        def by_dept(values: np.ndarray) -> np.ndarray:
            out = np.zeros(k, np.int64)
            np.add.at(out, dept, values)
            return out

        gross = by_dept(sum(L[c] for c in EARNINGS))
        employer = by_dept(sum(L[c] for c in EMPLOYER))
        employee = by_dept(sum(L[c] for c in DEDUCTIONS))
        pph = by_dept(L["PPH21"])
        heads = by_dept(np.ones(len(ix), np.int64))
        keep = heads > 0
        return pd.DataFrame(
            {
                "period": month.period,
                "run_id": month.run_id,
                "pay_date": month.pay_date,
                "department_id": DEPT_IDS[keep],
                "gross_cash_idr": gross[keep],
                "employer_contrib_idr": employer[keep],
                "employee_bpjs_idr": employee[keep],
                "pph21_idr": pph[keep],
                "net_pay_idr": (gross - employee - pph)[keep],
            }
        )
