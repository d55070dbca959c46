"""Planted anomalies: chosen deterministically, applied through hooks in HR, attendance and payroll, and
recorded in the answer key. Every employee-month not listed in the answer key follows the rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator

import numpy as np

from generator.attendance import COLLECTIVE, PRESENT, MonthGrid
from generator.calendar import Month, add_months, period_of
from generator.context import Context
from generator.data import ALLOWANCE_SHARE, DEPARTMENTS, VOLUNTARY_REASONS
from generator.hr import HR, PKWT, PKWTT, years
from generator.org import DEPT_REGION
from generator.payroll import Draft
from generator.rules import apply_rate
from generator.workforce import NAT, Workforce, d64

DAY = np.timedelta64(1, "D")


class AnomalyPlan:
    def __init__(self, ctx: Context, wf: Workforce, hr: HR) -> None:
        self.ctx, self.wf, self.hr = ctx, wf, hr
        self.ref = ctx.reference
        self.rng = ctx.stream("anomalies")
        self.window = list(ctx.periods)
        self.todo: dict[str, list[str]] = defaultdict(list)  # period -> anomaly types due then
        self.extra_pay: dict[str, list[int]] = defaultdict(list)
        self.thr_deferred: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self.used: set[int] = set()
        self.skipped: dict[str, int] = {}
        self._schedule()

    # -- scheduling ------------------------------------------------------------------------------------------
    def n(self, kind: str) -> int:
        return self.ctx.config.anomaly_count(kind)

    def _pick_periods(self, kind: str, candidates: list[str]) -> None:
        k = self.n(kind)
        if k <= 0:
            return
        if not candidates:
            self.skipped[kind] = k
            return
        picks = self.rng.choice(candidates, size=k, replace=len(candidates) < k)
        for p in sorted(picks):
            self.todo[str(p)].append(kind)

    def _schedule(self) -> None:
        w = self.window
        months = [self.ctx.month(p) for p in w]
        self._pick_periods("ghost_employee", w[: max(1, len(w) // 2)])
        self._pick_periods("below_minimum_wage", w[-min(len(w), 9) :])
        self._pick_periods("salary_outside_band", [p for p in w[-min(len(w), 12) :] if not p.endswith("-01")] or w)
        self._pick_periods("paid_after_termination", w[:-1])
        thr_runs = [m.period for m in months if m.thr_holidays]
        self._pick_periods("thr_short", thr_runs)
        self._pick_periods("thr_late", [p for p in thr_runs if p != w[-1]])
        not_dec = [p for p in w if not p.endswith("-12")]
        self._pick_periods("bpjs_wrong_base", not_dec)
        self._pick_periods("pph21_wrong", not_dec)
        for kind in ("overtime_over_daily_limit", "overtime_over_weekly_limit", "overtime_outlier"):
            self._pick_periods(kind, w)

    def take(self, period: str, kind: str) -> int:
        """How many of ``kind`` are due in ``period`` (and clears them)."""
        items = self.todo.get(period, [])
        k = items.count(kind)
        self.todo[period] = [x for x in items if x != kind]
        return k

    def mark(self, slot: int, protect: bool = True) -> None:
        self.used.add(int(slot))
        if protect:
            self.wf.protected[slot] = True

    def record(self, kind: str, entity: str, slot: int, period: str, description: str) -> None:
        eid = str(self.wf.employee_ids(np.array([slot]))[0])
        self.ctx.answer_key.add(kind, entity, eid, period, description.replace("{id}", eid))

    def _free(self, mask: np.ndarray) -> np.ndarray:
        """Slots in ``mask`` not already used by another anomaly."""
        idx = np.nonzero(mask)[0]
        return idx[~np.isin(idx, np.fromiter(self.used, dtype=np.int64, count=len(self.used)))]

    def _staff(self, extra: np.ndarray | None = None) -> np.ndarray:
        wf = self.wf
        m = wf.is_active() & (wf.level[: wf.n] == 0) & ~wf.protected[: wf.n] & ~wf.ghost[: wf.n]
        return self._free(m if extra is None else m & extra)

    # -- initial workforce (before its history is written) -------------------------------------------------------
    def initial(self) -> None:
        wf, rng, ctx = self.wf, self.rng, self.ctx
        start = d64(ctx.sim_start)
        first, last = d64(ctx.start_date), d64(ctx.end_date)
        for _ in range(self.n("annual_leave_not_granted")):
            cand = self._staff((wf.hire[: wf.n] <= start - years(2)) & (wf.emp_type[: wf.n] == PKWTT))
            if cand.size == 0:
                self.skipped["annual_leave_not_granted"] = self.skipped.get("annual_leave_not_granted", 0) + 1
                continue
            i = int(rng.choice(cand))
            self.mark(i)
            wf.no_leave[i] = True
            self.record(
                "annual_leave_not_granted",
                "leave",
                i,
                self.window[-1],
                "{id} has more than 12 months of service; every annual-leave request in the data was "
                "rejected and no annual leave was taken",
            )
        for _ in range(self.n("pkwt_over_5_years")):
            self._plant_pkwt_over_5_years()
        for _ in range(self.n("expired_contract_active")):
            months = (last - first).astype(int) // 30
            if months < 2:
                self.skipped["expired_contract_active"] = self.skipped.get("expired_contract_active", 0) + 1
                continue
            end = first + np.timedelta64(int(rng.integers(0, max(1, (last - first).astype(int) - 35))), "D")
            cand = self._staff(
                (wf.emp_type[: wf.n] == PKWT) & (wf.hire[: wf.n] > start - years(1.5)) & (wf.hire[: wf.n] < start)
            )
            if cand.size == 0:
                cand = self._staff(
                    (wf.emp_type[: wf.n] == PKWTT)
                    & (wf.grade[: wf.n] <= 3)
                    & (wf.hire[: wf.n] > start - years(1.5))
                    & (wf.hire[: wf.n] < start)
                )
            if cand.size == 0:
                self.skipped["expired_contract_active"] = self.skipped.get("expired_contract_active", 0) + 1
                continue
            i = int(rng.choice(cand))
            self.hr.set_pkwt_chain(i, wf.hire[i], [end])
            self.mark(i)
            wf.keep_expired[i] = True
            after = (end + DAY).astype(dt.date)
            self.record(
                "expired_contract_active",
                "employees",
                i,
                period_of(after),
                f"{{id}} is a PKWT whose contract ended on {end} but is still active and paid",
            )

    def _plant_pkwt_over_5_years(self) -> None:
        wf, rng, ctx = self.wf, self.rng, self.ctx
        w = self.window
        period = str(rng.choice(w[: max(1, (2 * len(w)) // 3)]))
        m = ctx.month(period)
        renew = d64(m.start) + np.timedelta64(int(rng.integers(0, 20)), "D")
        hire = renew - years(4) - np.timedelta64(int(rng.integers(40, 250)), "D")
        mgr = wf.manager[: wf.n]
        mgr_hire = np.where(mgr >= 0, wf.hire[np.maximum(mgr, 0)], NAT)
        ok = (mgr_hire <= hire - np.timedelta64(30, "D")) & (wf.birth[: wf.n] <= hire - years(19))
        ok &= wf.grade[: wf.n] <= 3
        cand = self._staff(ok & (wf.emp_type[: wf.n] == PKWT))
        if cand.size == 0:
            cand = self._staff(ok & (wf.emp_type[: wf.n] == PKWTT))
        if cand.size == 0:
            self.skipped["pkwt_over_5_years"] = self.skipped.get("pkwt_over_5_years", 0) + 1
            return
        i = int(rng.choice(cand))
        first_end = np.datetime64(add_months(hire.astype(dt.date), 24), "D") - DAY
        self.hr.set_pkwt_chain(i, hire, [first_end, renew - DAY])
        self.mark(i)
        wf.force_renew[i] = True
        new_end = np.datetime64(add_months(renew.astype(dt.date), 12), "D") - DAY
        span = (new_end - hire).astype(int) / 365.25
        self.record(
            "pkwt_over_5_years",
            "job_history",
            i,
            period_of(renew.astype(dt.date)),
            f"{{id}}: PKWT since {hire}, renewed on {renew} until {new_end}; the contract history "
            f"spans {span:.1f} years",
        )

    # -- HR hooks -------------------------------------------------------------------------------------------------
    def hr_start(self, month: Month) -> None:
        if not month.in_window:
            return
        for _ in range(self.take(month.period, "ghost_employee")):
            self._ghost(month)
        for _ in range(self.take(month.period, "below_minimum_wage")):
            self._below_minimum(month)
        for _ in range(self.take(month.period, "salary_outside_band")):
            self._outside_band(month)

    def _ghost(self, month: Month) -> None:
        rng, hr = self.rng, self.hr
        dept = int(rng.choice(np.arange(1, len(DEPARTMENTS))))
        grade = int(rng.choice([2, 3]))
        with hr.using_rng(rng):
            i = hr.hire(
                month.start, dept, grade, hr.title(dept, grade, PKWTT), PKWTT, allow_rehire=False, manager=False
            )
        self.wf.ghost[i] = True
        self.mark(i)
        self.record(
            "ghost_employee",
            "employees",
            i,
            month.period,
            "{id} is paid every month from the hire date but has no attendance, no leave and no manager",
        )

    def _below_minimum(self, month: Month) -> None:
        rng, hr, wf = self.rng, self.hr, self.wf
        year = month.year
        gaps = [
            self.ref.min_wage(DEPT_REGION[d], year) - int(hr.bands.band_min(year, np.array([1]))[0])
            for d in range(len(DEPARTMENTS))
        ]
        best = [d for d in range(1, len(DEPARTMENTS)) if gaps[d] == max(gaps[1:])]
        dept = int(rng.choice(best))
        minw = self.ref.min_wage(DEPT_REGION[dept], year)
        base = int(hr.bands.band_min(year, np.array([1]))[0])
        target = int(minw * rng.uniform(0.90, 0.95)) // 10_000 * 10_000
        alw = max(0, min(target - base, int(round(base * ALLOWANCE_SHARE[1], -4))))
        if base + alw >= minw:
            base, alw = target, 0
        start = month.start + dt.timedelta(days=int(rng.integers(0, 10)))
        while not self.ctx.calendar.is_working_day(start):
            start += dt.timedelta(days=1)
        with hr.using_rng(rng):
            i = hr.hire(start, dept, 1, hr.title(dept, 1, PKWTT), PKWTT, allow_rehire=False, pay=(base, alw))
            hr.recruiting.add_filled(dept, 1, str(wf.position[i]), start, i)
        wf.frozen_salary[i] = True
        self.mark(i)
        self.record(
            "below_minimum_wage",
            "employees",
            i,
            month.period,
            f"{{id}} (hired {start}, under one year of service) earns basic + fixed allowance "
            f"Rp{base + alw:,} below the {DEPT_REGION[dept]} minimum wage Rp{minw:,} for {year}",
        )

    def _outside_band(self, month: Month) -> None:
        wf, rng = self.wf, self.rng
        day1 = d64(month.start)
        cand = self._staff(
            (wf.hire[: wf.n] <= day1 - years(1.2)) & (wf.grade[: wf.n] >= 2) & (wf.emp_type[: wf.n] == PKWTT)
        )
        if self.hr.transfer_day:  # a raise on the 1st must not carry the department of a later transfer
            cand = cand[~np.isin(cand, list(self.hr.transfer_day))]
        if cand.size == 0:
            self.skipped["salary_outside_band"] = self.skipped.get("salary_outside_band", 0) + 1
            return
        i = int(rng.choice(cand))
        bmax = int(self.hr.bands.band_max(month.year, np.array([wf.grade[i]]))[0])
        wf.base[i] = int(bmax * rng.uniform(1.18, 1.30)) // 10_000 * 10_000
        wf.alw[i] = int(round(wf.base[i] * ALLOWANCE_SHARE[int(wf.grade[i])], -4))
        wf.frozen_salary[i] = True
        self.mark(i)
        wf.record(np.array([i]), day1, "salary_change")
        self.record(
            "salary_outside_band",
            "employees",
            i,
            month.period,
            f"{{id}}: base salary Rp{int(wf.base[i]):,} from {month.start} is above the G{wf.grade[i]} "
            f"band maximum Rp{bmax:,}",
        )

    def hr_after_terminations(self, month: Month) -> np.ndarray:
        """Separations whose pay continues into the next month."""
        wf, rng = self.wf, self.rng
        out = []
        for _ in range(self.take(month.period, "paid_after_termination")):
            start = d64(month.start)
            lu = wf.leave_until[: wf.n]
            cand = self._staff(
                (wf.hire[: wf.n] < start) & (wf.emp_type[: wf.n] == PKWTT) & (np.isnat(lu) | (lu < start))
            )
            if cand.size == 0:
                continue
            i = int(rng.choice(cand))
            end = d64(month.end) - np.timedelta64(int(rng.choice([0, 0, 5, 12])), "D")
            self.hr._terminate(np.array([i]), np.array([end]), 0, str(rng.choice(VOLUNTARY_REASONS)))
            self.mark(i)
            nxt = period_of(add_months(month.start, 1))
            self.extra_pay[nxt].append(i)
            self.record(
                "paid_after_termination",
                "payslip_lines",
                i,
                nxt,
                f"{{id}} left on {end} but is paid a full month in the {nxt} payroll run",
            )
            out.append(i)
        return np.array(out, dtype=np.int64)

    # -- attendance hook ------------------------------------------------------------------------------------------
    def attendance(self, month: Month, grid: MonthGrid) -> None:
        if not month.in_window:
            return
        wf, rng = self.wf, self.rng
        wwd = self.ctx.config.work_week_days
        full = grid.active.all(axis=1)
        ok_rows = np.nonzero(grid.eligible & full & ~np.isin(grid.emp, list(self.used)) & ~wf.protected[grid.emp])[0]
        taken: set[int] = set()
        workday = grid.status != COLLECTIVE
        day_limit = self.ref.labour("overtime_max_hours_day", month.start)
        week_limit = self.ref.labour("overtime_max_hours_week", month.start)

        def pick(rows: np.ndarray) -> int:
            rows = np.array([r for r in rows if r not in taken])
            if rows.size == 0:
                return -1
            r = int(rng.choice(rows))
            taken.add(r)
            return r

        for _ in range(self.take(month.period, "overtime_over_daily_limit")):
            r = pick(ok_rows[(grid.status[ok_rows] == PRESENT).any(axis=1)])
            if r < 0:
                continue
            days = np.nonzero(grid.status[r] == PRESENT)[0]
            j = int(rng.choice(days))
            hours = day_limit + float(rng.choice([0.5, 1.0, 1.5, 2.0]))
            week = grid.week == grid.week[j]
            others = (week_limit - hours) / max(int(week.sum()) - 1, 1)  # the week stays within its limit
            grid.ot[r, week] = np.minimum(grid.ot[r, week], np.floor(others * 2) / 2)
            grid.ot[r, j] = hours
            slot = int(grid.emp[r])
            self.record(
                "overtime_over_daily_limit",
                "attendance",
                slot,
                month.period,
                f"{{id}}: {hours:g} h of workday overtime approved on {grid.dates[j]} (limit {day_limit:g} h a day)",
            )
        for _ in range(self.take(month.period, "overtime_over_weekly_limit")):
            weeks = [w for w in np.unique(grid.week) if ((grid.week == w) & workday.all(axis=0)).sum() >= wwd]
            if not weeks:
                self.skipped["overtime_over_weekly_limit"] = self.skipped.get("overtime_over_weekly_limit", 0) + 1
                continue
            w = int(rng.choice(weeks))
            cols = grid.week == w
            r = pick(ok_rows[(grid.status[ok_rows][:, cols] == PRESENT).all(axis=1)])
            if r < 0:
                continue
            per_day = min(day_limit, np.ceil((week_limit + 1) / cols.sum() * 2) / 2)  # each day within its limit
            grid.ot[r, cols] = per_day
            total = per_day * cols.sum()
            slot = int(grid.emp[r])
            self.record(
                "overtime_over_weekly_limit",
                "attendance",
                slot,
                month.period,
                f"{{id}}: {total:g} h of workday overtime in the week of {grid.dates[cols][0]} "
                f"(limit {week_limit:g} h a week)",
            )
        for _ in range(self.take(month.period, "overtime_outlier")):
            r = pick(ok_rows[(grid.status[ok_rows] == PRESENT).sum(axis=1) >= 15])
            if r < 0:
                continue
            hours = min(day_limit - 0.5, np.floor(week_limit / wwd * 2) / 2)  # within both limits
            grid.ot[r] = np.where(grid.status[r] == PRESENT, hours, 0.0)
            slot = int(grid.emp[r])
            total = float(grid.ot[r].sum())
            self.record(
                "overtime_outlier",
                "attendance",
                slot,
                month.period,
                f"{{id}}: {total:g} h of overtime in {month.period}, far above the department's",
            )
            self.used.add(slot)

    # -- payroll hooks --------------------------------------------------------------------------------------------
    def extra_payees(self, month: Month) -> np.ndarray:
        return np.array(self.extra_pay.get(month.period, []), dtype=np.int64)

    def _payroll_rows(self, draft: Draft, extra: np.ndarray | None = None) -> np.ndarray:
        wf = self.wf
        ok = ~draft.is_extra & ~draft.final & ~wf.ghost[draft.ix] & ~np.isin(draft.ix, list(self.used))
        return np.nonzero(ok if extra is None else ok & extra)[0]

    def _payslip_picks(self, draft: Draft, kind: str, eligible: Callable[[], np.ndarray]) -> Iterator[int]:
        """A payslip row of ``draft`` for each ``kind`` due this month, drawn from the free rows ``eligible()`` marks;
        the mask is taken afresh for each, after the earlier ones changed the lines. With none left, one is skipped."""
        for _ in range(self.take(draft.month.period, kind)):
            rows = self._payroll_rows(draft, eligible())
            if rows.size == 0:
                continue
            yield int(self.rng.choice(rows))

    def _record_payslip(self, kind: str, draft: Draft, r: int, description: str) -> None:
        """Record a planted amount on payslip row ``r``; its employee stays open to changes (not protected)."""
        self.mark(int(draft.ix[r]), protect=False)
        self.record(kind, "payslip_lines", int(draft.ix[r]), draft.month.period, description)

    def payroll_before_tax(self, draft: Draft) -> None:
        month, L, wf, rng = draft.month, draft.lines, self.wf, self.rng
        for slot, amount, _holiday in self.thr_deferred.pop(month.period, []):
            pos = np.nonzero(draft.ix == slot)[0]
            if pos.size:
                L["THR"][pos[0]] += amount
        if not month.in_window:
            return
        for r in self._payslip_picks(draft, "thr_short", lambda: L["THR"] > 0):
            due = int(L["THR"][r])
            L["THR"][r] = int(due * rng.uniform(0.5, 0.7)) // 1000 * 1000
            self._record_payslip(
                "thr_short", draft, r, f"{{id}}: THR paid Rp{int(L['THR'][r]):,} instead of the Rp{due:,} entitlement"
            )
        for r in self._payslip_picks(draft, "thr_late", lambda: (L["THR"] > 0) & np.isnat(wf.term[draft.ix])):
            slot = int(draft.ix[r])
            nxt = period_of(add_months(month.start, 1))
            holiday = month.thr_holidays[0]
            self.thr_deferred[nxt].append((slot, int(L["THR"][r]), str(holiday)))
            L["THR"][r] = 0
            self.mark(slot)
            deadline = self.ctx.calendar.thr_deadline(self.ref, holiday)
            self.record(
                "thr_late",
                "payslip_lines",
                slot,
                nxt,
                f"{{id}}: THR for the holiday of {holiday} paid in the {nxt} run, after the deadline {deadline}",
            )
        jp = self.ref.bpjs("JP", month.start)
        cap = jp.wage_cap_idr or 0
        for r in self._payslip_picks(draft, "bpjs_wrong_base", lambda: draft.wage > cap * 1.1):
            L["JP_EE"][r] = apply_rate(int(draft.wage[r]), jp.employee_units)
            self._record_payslip(
                "bpjs_wrong_base",
                draft,
                r,
                f"{{id}}: JP employee contribution Rp{int(L['JP_EE'][r]):,} computed on the full wage "
                f"Rp{int(draft.wage[r]):,} instead of the cap Rp{cap:,}",
            )

    def payroll_after_tax(self, draft: Draft) -> None:
        month, L = draft.month, draft.lines
        if not month.in_window:
            return
        for r in self._payslip_picks(draft, "pph21_wrong", lambda: L["PPH21"] > 0):
            due = int(L["PPH21"][r])
            delta = max(100_000, int(round(due * 0.5, -3)))
            L["PPH21"][r] = due + delta
            self._record_payslip(
                "pph21_wrong", draft, r, f"{{id}}: PPh 21 withheld Rp{due + delta:,} instead of Rp{due:,}"
            )

    # -- at the extract date -----------------------------------------------------------------------------------------
    def _share_between_two(
        self, kind: str, values: np.ndarray, period: str, describe: Callable[[str, str], str]
    ) -> None:
        """Plant ``kind`` between pairs of staff: the second gets the first one's entry of ``values`` (a field of the
        workforce), and both are recorded with ``describe(shared value, the other's employee id)``."""
        for _ in range(self.n(kind)):
            cand = self._staff()
            if cand.size < 2:
                continue
            a, b = (int(x) for x in self.rng.choice(cand, 2, replace=False))
            values[b] = values[a]
            for x, y in ((a, b), (b, a)):
                self.mark(x, protect=False)
                other = str(self.wf.employee_ids(np.array([y]))[0])
                self.record(kind, "employees", x, period, describe(values[a], other))

    def finalize(self) -> None:
        wf, rng = self.wf, self.rng
        period = self.window[-1]
        self._share_between_two(
            "shared_bank_account",
            wf.bank_account,
            period,
            lambda account, other: f"{{id}} shares bank account {account} with {other}",
        )
        self._share_between_two(
            "duplicate_tax_id",
            wf.tax_id,
            period,
            lambda tax_id, other: f"{{id}} has the same tax id {tax_id} as {other}",
        )
        for _ in range(self.n("missing_tax_id")):
            cand = self._staff()
            if cand.size == 0:
                continue
            i = int(rng.choice(cand))
            wf.tax_id[i] = ""
            self.mark(i, protect=False)
            self.record("missing_tax_id", "employees", i, period, "{id} is active with no tax id (NPWP)")
        for kinds in self.todo.values():
            for kind in kinds:
                self.skipped[kind] = self.skipped.get(kind, 0) + 1
        self.todo.clear()
