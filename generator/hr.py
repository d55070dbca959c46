"""HR simulation: the initial workforce with its history, then each month's events (January salary
review, promotions, transfers, contract renewals/ends, hires and rehires, terminations)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from generator.calendar import Month, add_months
from generator.context import Context
from generator.data import (
    ALLOWANCE_SHARE,
    CONTRACT_END_REASON,
    DEPARTMENTS,
    INTERNSHIP_END_REASON,
    INVOLUNTARY_REASONS,
    LEVEL_PREFIX,
    OTHER_REASONS,
    RETIREMENT_REASON,
    STAFF_GRADE_WEIGHTS,
    VOLUNTARY_REASONS,
)
from generator.org import DEPT_REGION, PARENT, SPAN_MIN, assign_managers, management_layers, split_headcount
from generator.paybands import PayBands
from generator.people import IdentityFactory
from generator.recruiting import Recruiting
from generator.workforce import HEAD_LEVEL, NAT, Workforce, d64

# monthly hazards and shares (company behaviour, tuned to 1.5–2.5% monthly turnover, ~70/25/5 split)
P_VOLUNTARY, P_INVOLUNTARY, P_OTHER = 0.0190, 0.0022, 0.0013
P_PROMOTION, P_TRANSFER = 0.0065, 0.0025
P_REHIRE, P_INTERN_AT_G1 = 0.05, 0.30
HEADCOUNT_BUFFER = 1.03  # active + open requisitions aimed at, so headcount stays near the configured size
PKWTT, PKWT, INTERN = 0, 1, 2
SALARY_STEP, MIN_WAGE_STEP = 10_000, 1_000
DAY = np.timedelta64(1, "D")


def years(n: float) -> np.timedelta64:
    return np.timedelta64(int(round(n * 365.25)), "D")


class HR:
    def __init__(self, ctx: Context, wf: Workforce, bands: PayBands) -> None:
        self.ctx, self.wf, self.bands = ctx, wf, bands
        self.ref = ctx.reference
        self.rng = ctx.stream("hr")
        self.ids = IdentityFactory(ctx)
        self.recruiting = Recruiting(ctx.stream("recruiting"), ctx.calendar.is_working_day)
        self.target = int(round(ctx.config.employees * HEADCOUNT_BUFFER))
        self._minw: dict[int, np.ndarray] = {}
        #: this month's transfers effective after the 1st: slot -> effective day (nothing of theirs may be dated
        #: before it that month: a termination is moved to it, other planted changes leave them alone)
        self.transfer_day: dict[int, np.datetime64] = {}
        on = ctx.sim_start
        self.pkwt_max = years(self.ref.labour("pkwt_max_years", on))

    # -- pay ---------------------------------------------------------------------------------------------
    def min_wage_by_dept(self, year: int) -> np.ndarray:
        if year not in self._minw:
            self._minw[year] = np.array([self.ref.min_wage(r, year) for r in DEPT_REGION], dtype=np.int64)
        return self._minw[year]

    def set_pay(self, idx: np.ndarray, base: np.ndarray, year: int, clip: bool = True) -> None:
        """Base rounded to 10,000 and kept in the grade's band; fixed allowance by grade; base + allowance
        at least the work region's minimum wage for the year."""
        wf = self.wf
        idx = np.asarray(idx)
        if idx.size == 0:
            return
        grade = wf.grade[idx]
        base = np.round(np.asarray(base, dtype=np.float64) / SALARY_STEP).astype(np.int64) * SALARY_STEP
        if clip:
            base = np.clip(base, self.bands.band_min(year, grade), self.bands.band_max(year, grade))
        share = np.array([ALLOWANCE_SHARE[g] for g in grade])
        alw = np.round(base * share / SALARY_STEP).astype(np.int64) * SALARY_STEP
        need = self.min_wage_by_dept(year)[wf.dept[idx]] - alw
        need = -(-need // MIN_WAGE_STEP) * MIN_WAGE_STEP
        wf.base[idx] = np.maximum(base, need)
        wf.alw[idx] = alw

    def band_position(self, idx: np.ndarray, year: int, lo: float, hi: float) -> np.ndarray:
        g = self.wf.grade[idx]
        mn, mx = self.bands.band_min(year, g), self.bands.band_max(year, g)
        return mn + self.rng.uniform(lo, hi, len(idx)) * (mx - mn)

    # -- initial workforce ---------------------------------------------------------------------------------
    def initial(self) -> None:
        ctx, wf, rng = self.ctx, self.wf, self.rng
        start = d64(ctx.sim_start)
        sizes = split_headcount(ctx.config.employees)
        heads: dict[int, int] = {}
        lowest: dict[int, np.ndarray] = {}
        staff_all = []
        for d, spec in enumerate(DEPARTMENTS):
            layers = management_layers(int(sizes[d]))
            n_staff = int(sizes[d]) - 1 - sum(layers)
            head = wf.add(1)
            heads[d] = int(head[0])
            wf.dept[head] = d
            wf.level[head] = HEAD_LEVEL
            wf.grade[head] = 8 if spec.parent == "" else (7 if sizes[d] >= 30 else 6)
            wf.position[head] = "Chief Executive Officer" if spec.parent == "" else f"Head of {spec.name}"
            upper = head
            for k, count in enumerate(layers):
                level = len(layers) - k
                mgr = wf.add(count)
                wf.dept[mgr] = d
                wf.level[mgr] = level
                wf.grade[mgr] = min(4 + level, int(wf.grade[head[0]]))
                title = {1: "Team Leader", 2: "Manager"}.get(level, "Senior Manager")
                wf.position[mgr] = f"{title}, {spec.name}"
                wf.manager[mgr] = upper[np.arange(count) % len(upper)]
                upper = mgr
            staff = wf.add(n_staff)
            wf.dept[staff] = d
            wf.manager[staff] = upper[np.arange(n_staff) % len(upper)]
            if layers:  # the head also leads a few specialists directly
                children = int((d == PARENT).sum())
                direct = min(max(0, SPAN_MIN - layers[0] - children), n_staff)
                wf.manager[staff[:direct]] = head[0]
                rest = staff[direct:]
                wf.manager[rest] = upper[np.arange(len(rest)) % len(upper)]
            lowest[d] = upper
            staff_all.append(staff)
        for d in range(len(DEPARTMENTS)):
            wf.manager[heads[d]] = heads[PARENT[d]] if PARENT[d] >= 0 else -1
        staff = np.concatenate(staff_all)
        mgrs = np.setdiff1d(np.arange(wf.n), staff)
        wf.emp_type[: wf.n] = PKWTT
        self._staff_profile(staff, start)
        # tenure: staff first, then each manager is hired before everyone below it
        tenure = np.zeros(wf.n)
        pkwtt = staff[wf.emp_type[staff] == PKWTT]
        tenure[pkwtt] = np.clip(rng.exponential(4.0, len(pkwtt)), 0.1, 19.0)
        pkwt = staff[wf.emp_type[staff] == PKWT]
        tenure[pkwt] = rng.uniform(0.05, 4.0, len(pkwt))
        interns = staff[wf.emp_type[staff] == INTERN]
        tenure[interns] = rng.uniform(0.0, 0.4, len(interns))
        tenure[mgrs] = rng.uniform(2.0, 12.0, len(mgrs))
        for level in sorted(set(wf.level[mgrs].tolist())):
            for m in mgrs[wf.level[mgrs] == level][::-1]:  # child departments' heads before their parents
                below = np.nonzero(wf.manager[: wf.n] == m)[0]
                if below.size:
                    tenure[m] = max(tenure[m], tenure[below].max() + rng.uniform(0.1, 1.0))
        wf.hire[: wf.n] = start - (tenure * 365.25).astype(np.int64).astype("m8[D]") - DAY
        wf.grade_since[: wf.n] = wf.hire[: wf.n]
        # identities: age at hire such that nobody is older than 52 at the start
        idx = np.arange(wf.n)
        lo = np.where(wf.emp_type[idx] == INTERN, 19.0, np.where(wf.level[idx] > 0, 27.0, 20.0))
        hi = np.where(wf.emp_type[idx] == INTERN, 23.0, np.where(wf.level[idx] > 0, 38.0, 34.0))
        hi = np.minimum(hi, 52.0 - tenure)
        lo = np.minimum(lo, hi - 0.5)
        self.ids.create(wf, idx, [DEPT_REGION[d] for d in wf.dept[idx]], wf.hire[idx], lo, hi)
        self._initial_contracts(start)
        year0 = ctx.sim_start.year
        growth = 1.0 + rng.uniform(0.03, 0.07, wf.n)
        base = self.band_position(idx, year0, 0.05, 0.75)
        base = np.where(wf.level[idx] > 0, self.band_position(idx, year0, 0.25, 0.8), base)
        if ctx.sim_start.month == 1:  # the first period's January review still raises them
            base = base / growth
        self.set_pay(idx, base, year0, clip=False)
        self._growth = growth

    def initial_history(self) -> None:
        """Pre-history events of the initial workforce (call after any planted change to it)."""
        idx = np.arange(self.wf.n)
        self._prehistory(idx, self._growth, self.ctx.sim_start.year)

    def set_pkwt_chain(self, i: int, hire: np.datetime64, ends: list[np.datetime64]) -> None:
        """Give initial employee ``i`` a PKWT hired on ``hire`` whose terms end on ``ends`` (renewed the day
        after each end but the last)."""
        wf = self.wf
        wf.hire[i] = wf.grade_since[i] = wf.contract_start[i] = hire
        wf.emp_type[i] = PKWT
        wf.contract_end[i] = ends[-1]
        idx, dates, new_ends = self._renewals
        idx = [a[a != i] for a in idx]
        dates = [d[a != i] for a, d in zip(self._renewals[0], dates, strict=True)]
        new_ends = [e[a != i] for a, e in zip(self._renewals[0], new_ends, strict=True)]
        if len(ends) > 1:
            idx.append(np.full(len(ends) - 1, i))
            dates.append(np.array([e + DAY for e in ends[:-1]], dtype="M8[D]"))
            new_ends.append(np.array(ends[1:], dtype="M8[D]"))
        self._renewals = (idx, dates, new_ends)

    def _staff_profile(self, staff: np.ndarray, start: np.datetime64) -> None:
        wf, rng = self.wf, self.rng
        grades = np.array(list(STAFF_GRADE_WEIGHTS))
        p = np.array(list(STAFF_GRADE_WEIGHTS.values()))
        wf.grade[staff] = rng.choice(grades, size=len(staff), p=p / p.sum())
        u = rng.random(len(staff))
        pkwt_share = np.array([DEPARTMENTS[d].pkwt_share for d in wf.dept[staff]])
        intern = u < 0.015
        pkwt = ~intern & (u < 0.015 + pkwt_share) & (wf.grade[staff] <= 3)
        wf.emp_type[staff] = np.where(intern, INTERN, np.where(pkwt, PKWT, PKWTT))
        wf.grade[staff[intern]] = 1
        for i in staff:
            wf.position[i] = self.title(int(wf.dept[i]), int(wf.grade[i]), int(wf.emp_type[i]))

    def title(self, dept: int, grade: int, emp_type: int, family: str | None = None) -> str:
        family = family or str(self.rng.choice(DEPARTMENTS[dept].families))
        if emp_type == INTERN:
            return f"Intern - {family}"
        return f"{LEVEL_PREFIX.get(grade, '')}{family}"

    @staticmethod
    def family_of(position: str) -> str:
        for prefix in ("Intern - ", *sorted(LEVEL_PREFIX.values(), key=len, reverse=True)):
            if prefix and position.startswith(prefix):
                return position[len(prefix) :]
        return position

    def _initial_contracts(self, start: np.datetime64) -> None:
        """PKWT chains (first term 12/24 months, renewals within the legal maximum) and intern terms."""
        wf, rng = self.wf, self.rng
        pk = np.nonzero(wf.emp_type[: wf.n] == PKWT)[0]
        wf.contract_start[pk] = wf.hire[pk]
        limit = wf.hire[pk] + self.pkwt_max - DAY
        end = np.minimum(self._plus_months(wf.hire[pk], rng.choice([12, 24], len(pk))) - DAY, limit)
        renewals_idx, renewals_date, renewals_end = [], [], []
        while True:
            due = end < start
            if not due.any():
                break
            new_end = np.minimum(self._plus_months(end + DAY, rng.choice([12, 24], len(pk))) - DAY, limit)
            renewals_idx.append(pk[due])
            renewals_date.append(end[due] + DAY)
            renewals_end.append(new_end[due])
            end = np.where(due, new_end, end)
        wf.contract_end[pk] = end
        self._renewals = (renewals_idx, renewals_date, renewals_end)
        it = np.nonzero(wf.emp_type[: wf.n] == INTERN)[0]
        wf.contract_start[it] = wf.hire[it]
        wf.contract_end[it] = np.maximum(self._plus_months(wf.hire[it], np.full(len(it), 6)) - DAY, start)

    @staticmethod
    def _plus_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
        out = [np.datetime64(add_months(d.astype(dt.date), int(m)), "D") for d, m in zip(dates, months, strict=True)]
        return np.array(out, dtype="M8[D]")

    def _prehistory(self, idx: np.ndarray, growth: np.ndarray, year0: int) -> None:
        """Hire, contract-renewal and January salary-change events before the simulation starts.

        The last review before the start is in January of ``last`` (the start year unless the start is
        itself a January). Salary in force during pre-history year y is S0 / growth^(last − y), S0 being
        the salary at the start; contract ends follow the PKWT chains."""
        wf = self.wf
        last = year0 - 1 if self.ctx.sim_start.month == 1 else year0
        s0_base, s0_alw = wf.base[idx].copy(), wf.alw[idx].copy()
        final_end = wf.contract_end[idx].copy()

        def pay_at(rows: np.ndarray, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            factor = growth[rows] ** np.maximum(last - year, 0)
            b = np.round(s0_base[rows] / factor / SALARY_STEP).astype(np.int64) * SALARY_STEP
            a = np.round(s0_alw[rows] / factor / SALARY_STEP).astype(np.int64) * SALARY_STEP
            return np.where(year >= last, s0_base[rows], b), np.where(year >= last, s0_alw[rows], a)

        ren_idx, ren_date, ren_end = self._renewals
        all_ren = (
            np.concatenate(ren_idx) if ren_idx else np.zeros(0, int),
            np.concatenate(ren_date) if ren_date else np.zeros(0, "M8[D]"),
            np.concatenate(ren_end) if ren_end else np.zeros(0, "M8[D]"),
        )

        def contract_at(rows: np.ndarray, dates: np.ndarray) -> np.ndarray:
            out = np.where(wf.emp_type[rows] == PKWTT, NAT, final_end[rows])
            first = wf.contract_start[rows] + 0  # first term end: before any renewal
            has = np.isin(rows, all_ren[0])
            out = out.copy()
            for j in np.nonzero(has)[0]:
                r = rows[j]
                m = all_ren[0] == r
                dates_r, ends_r = all_ren[1][m], all_ren[2][m]
                earlier = dates_r <= dates[j]
                out[j] = ends_r[earlier].max() if earlier.any() else dates_r.min() - DAY
            del first
            return out

        hire_year = wf.hire[idx].astype("M8[Y]").astype(int) + 1970
        b, a = pay_at(idx, hire_year)
        wf.record_rows(
            idx,
            wf.hire[idx],
            "hire",
            base=b,
            alw=a,
            contract_end=contract_at(idx, wf.hire[idx]),
            term_type=np.full(len(idx), -1),
            term_reason=np.full(len(idx), "", dtype=object),
        )
        for year in range(int(hire_year.min()) + 1, last + 1):
            rows = idx[hire_year < year]
            if rows.size == 0:
                continue
            date = np.full(len(rows), np.datetime64(f"{year}-01-01"))
            b, a = pay_at(rows, np.full(len(rows), year))
            wf.record_rows(
                rows,
                date,
                "salary_change",
                base=b,
                alw=a,
                contract_end=contract_at(rows, date),
                term_type=np.full(len(rows), -1),
                term_reason=np.full(len(rows), "", dtype=object),
            )
        if all_ren[0].size:
            rows, dates = all_ren[0], all_ren[1]
            year = dates.astype("M8[Y]").astype(int) + 1970
            b, a = pay_at(rows, year)
            wf.record_rows(
                rows,
                dates,
                "contract_renewal",
                base=b,
                alw=a,
                contract_end=all_ren[2],
                term_type=np.full(len(rows), -1),
                term_reason=np.full(len(rows), "", dtype=object),
            )

    # -- monthly events --------------------------------------------------------------------------------------
    def month_start(self, month: Month) -> None:
        """Events effective on the 1st: January review, promotions, transfers."""
        wf, rng = self.wf, self.rng
        day1 = d64(month.start)
        active = np.nonzero(wf.is_active())[0]
        if month.month == 1:
            rows = active[(wf.hire[active] < day1) & ~wf.frozen_salary[active]]
            raise_ = rng.uniform(0.02, 0.09, len(rows))
            self.set_pay(rows, wf.base[rows] * (1 + raise_), month.year)
            wf.record(rows, day1, "salary_change")
        staff = active[(wf.level[active] == 0) & ~wf.protected[active] & (wf.emp_type[active] != INTERN)]
        u = rng.random(len(staff))
        promo = staff[(u < P_PROMOTION) & (wf.grade[staff] <= 3) & (wf.grade_since[staff] <= day1 - years(1))]
        if promo.size:
            wf.grade[promo] += 1
            wf.grade_since[promo] = day1
            for i in promo:
                wf.position[i] = self.title(int(wf.dept[i]), int(wf.grade[i]), PKWTT, self.family_of(wf.position[i]))
            base = np.maximum(
                wf.base[promo] * rng.uniform(1.08, 1.15, len(promo)), self.bands.band_min(month.year, wf.grade[promo])
            )
            self.set_pay(promo, base, month.year)
            wf.record(promo, day1, "promotion")
        moves = staff[(u > 1 - P_TRANSFER) & (wf.hire[staff] <= day1 - years(0.5))]
        if moves.size:
            weights = np.array([d.weight for d in DEPARTMENTS])
            weights[0] = 0.0
            for i in moves:
                w = weights.copy()
                w[wf.dept[i]] = 0.0
                wf.dept[i] = int(rng.choice(len(w), p=w / w.sum()))
                wf.position[i] = self.title(int(wf.dept[i]), int(wf.grade[i]), int(wf.emp_type[i]))
            assign_managers(wf, moves)
            self.set_pay(moves, wf.base[moves], month.year, clip=False)
            wf.record(moves, self._transfer_dates(month, moves), "transfer")
        else:
            self.transfer_day = {}

    def _transfer_dates(self, month: Month, moves: np.ndarray) -> np.ndarray | np.datetime64:
        """The 1st, or for a share of the movers (``mid_month_transfer_share``) a working day from the 2nd to the pay
        date, drawn from a stream of its own (no share, no draw). Someone whose fixed-term contract ends this month
        moves on the 1st, so no renewal or contract end falls before the transfer."""
        self.transfer_day = {}
        day1 = d64(month.start)
        share = self.ctx.config.mid_month_transfer_share
        if share <= 0:
            return day1
        wf = self.wf
        rng = self.ctx.stream("transfers", month.period)
        ce = wf.contract_end[moves]
        ends_now = ~np.isnat(ce) & (ce <= d64(month.end))
        days = month.dates[month.scheduled & ~month.collective]
        days = days[(days > day1) & (days <= d64(month.pay_date))]
        mid = (rng.random(len(moves)) < share) & ~ends_now & (len(days) > 0)
        dates = np.full(len(moves), day1)
        if mid.any():
            dates[mid] = days[rng.integers(0, len(days), int(mid.sum()))]
            self.transfer_day = {int(i): d for i, d in zip(moves[mid], dates[mid], strict=True)}
        return dates

    def contracts(self, month: Month) -> np.ndarray:
        """Fixed-term contracts ending this month: renew, convert to permanent, or end (returns leavers)."""
        wf, rng = self.wf, self.rng
        start, end = d64(month.start), d64(month.end)
        active = np.nonzero(wf.is_active())[0]
        ce = wf.contract_end[active]
        due = active[~np.isnat(ce) & (ce >= start) & (ce <= end) & ~wf.keep_expired[active]]
        leavers = []
        for i in due:
            cend = wf.contract_end[i]
            nxt = cend + DAY
            u = rng.random()
            if wf.emp_type[i] == INTERN:
                if u < 0.35 or wf.protected[i]:
                    wf.emp_type[i] = PKWT
                    wf.contract_start[i] = nxt
                    wf.contract_end[i] = self._plus_months(np.array([nxt]), np.array([12]))[0] - DAY
                    wf.position[i] = self.title(int(wf.dept[i]), int(wf.grade[i]), PKWT, self.family_of(wf.position[i]))
                    wf.record(np.array([i]), nxt, "contract_renewal")
                else:
                    self._terminate(np.array([i]), np.array([cend]), 1, INTERNSHIP_END_REASON)
                    leavers.append(i)
                continue
            months = int(rng.choice([12, 24]))
            new_end = self._plus_months(np.array([nxt]), np.array([months]))[0] - DAY
            limit = wf.contract_start[i] + self.pkwt_max - DAY
            can_renew = new_end <= limit or (nxt + np.timedelta64(365, "D") - DAY) <= limit
            if wf.force_renew[i]:
                wf.contract_end[i] = self._plus_months(np.array([nxt]), np.array([12]))[0] - DAY
                wf.record(np.array([i]), nxt, "contract_renewal")
            elif (can_renew and u < 0.55) and not wf.protected[i]:
                wf.contract_end[i] = min(new_end, limit)
                wf.record(np.array([i]), nxt, "contract_renewal")
            elif wf.protected[i] or u < (0.85 if can_renew else 0.65):
                wf.emp_type[i] = PKWTT
                wf.contract_end[i] = NAT
                wf.record(np.array([i]), nxt, "contract_renewal")
            else:
                self._terminate(np.array([i]), np.array([cend]), 1, CONTRACT_END_REASON)
                leavers.append(i)
        return np.array(leavers, dtype=np.int64)

    def terminations(self, month: Month) -> np.ndarray:
        """Random voluntary / involuntary / other separations during the month; returns the leavers."""
        wf, rng = self.wf, self.rng
        start, end = d64(month.start), d64(month.end)
        active = np.nonzero(wf.is_active())[0]
        lu = wf.leave_until[active]
        ok = (wf.level[active] == 0) & ~wf.protected[active] & (wf.hire[active] < start) & (np.isnat(lu) | (lu < start))
        ce = wf.contract_end[active]
        ok &= np.isnat(ce) | (ce > end + np.timedelta64(31, "D"))
        cand = active[ok]
        u = rng.random(len(cand))
        kind = np.where(
            u < P_VOLUNTARY,
            0,
            np.where(u < P_VOLUNTARY + P_INVOLUNTARY, 1, np.where(u < P_VOLUNTARY + P_INVOLUNTARY + P_OTHER, 2, -1)),
        )
        leavers = cand[kind >= 0]
        kind = kind[kind >= 0]
        working = month.dates[month.scheduled & ~month.collective]
        mid = working[rng.integers(0, len(working), len(leavers))] if len(working) else np.full(len(leavers), end)
        dates = np.where(rng.random(len(leavers)) < 0.45, end, mid).astype("M8[D]")
        for k, reasons in enumerate((VOLUNTARY_REASONS, INVOLUNTARY_REASONS, OTHER_REASONS)):
            rows = leavers[kind == k]
            if rows.size == 0:
                continue
            why = rng.choice(np.array(reasons, dtype=object), len(rows))
            if k == 0:
                age = (dates[kind == k] - wf.birth[rows]).astype(int) / 365.25
                why = np.where((age >= 50) & (rng.random(len(rows)) < 0.5), RETIREMENT_REASON, why)
            for r, d, w in zip(rows, dates[kind == k], why, strict=True):
                self._terminate(np.array([r]), np.array([d]), k, str(w))
        return leavers

    def _terminate(self, idx: np.ndarray, dates: np.ndarray, kind: int, reason: str) -> None:
        wf = self.wf
        if self.transfer_day:  # never leave before this month's transfer: the transfer would come after leaving
            moved = np.array([self.transfer_day.get(int(i), np.datetime64("NaT", "D")) for i in idx], dtype="M8[D]")
            dates = np.where(~np.isnat(moved) & (moved > dates), moved, dates)
        wf.term[idx] = dates
        wf.term_type[idx] = kind
        wf.term_reason[idx] = reason
        wf.record(idx, dates, "termination")

    # -- recruiting and hiring -----------------------------------------------------------------------------------
    def open_requisitions(self, month: Month, leavers: np.ndarray) -> None:
        """One replacement requisition per leaver, plus growth requisitions up to the headcount target."""
        wf, rng = self.wf, self.rng
        nxt = add_months(month.start, 1)
        for i in leavers:
            term = wf.term[i].astype(dt.date)
            notice = int(rng.integers(0, 31)) if wf.term_type[i] == 0 else 0
            opened = max(term - dt.timedelta(days=notice), month.start - dt.timedelta(days=20))
            self.recruiting.open(int(wf.dept[i]), int(wf.grade[i]), self.family_title(i), opened, nxt)
        deficit = self.target - int(wf.is_active().sum()) - self.recruiting.pending(month.end)
        if deficit > 0:
            weights = np.array([d.weight for d in DEPARTMENTS])
            grades = np.array(list(STAFF_GRADE_WEIGHTS))
            gp = np.array(list(STAFF_GRADE_WEIGHTS.values()))
            for _ in range(deficit):
                d = int(rng.choice(len(weights), p=weights / weights.sum()))
                g = int(rng.choice(grades, p=gp / gp.sum()))
                opened = month.start + dt.timedelta(days=int(rng.integers(0, 14)))
                self.recruiting.open(d, g, self.title(d, g, PKWTT), opened, nxt)

    def family_title(self, i: int) -> str:
        wf = self.wf
        return self.title(int(wf.dept[i]), int(wf.grade[i]), PKWTT, self.family_of(wf.position[i]))

    def hires(self, month: Month) -> np.ndarray:
        """Start the hires whose requisitions are due this month (some are rehires of former staff)."""
        reqs = self.recruiting.due(month.start, month.end)
        out, rehired = [], []
        for req in reqs:
            i = self.hire(req.start, req.dept, req.grade, req.position, manager=False, record=False)
            req.hired = i
            out.append(i)
            rehired.append(self._last_was_rehire)
        idx = np.array(out, dtype=np.int64)
        assign_managers(self.wf, idx)  # one pass for the month's hires
        flags = np.array(rehired, dtype=bool)
        for mask, kind in ((~flags, "hire"), (flags, "rehire")):
            self.wf.record(idx[mask], self.wf.hire[idx[mask]], kind)
        return idx

    @contextmanager
    def using_rng(self, rng: np.random.Generator) -> Iterator[None]:
        """Draw from ``rng`` instead of the HR streams (planted events do not shift the normal draws)."""
        saved = self.rng, self.ids.rng
        self.rng = self.ids.rng = rng
        try:
            yield
        finally:
            self.rng, self.ids.rng = saved

    def hire(
        self,
        start: dt.date,
        dept: int,
        grade: int,
        position: str,
        emp_type: int | None = None,
        allow_rehire: bool = True,
        manager: bool = True,
        pay: tuple[int, int] | None = None,
        record: bool = True,
    ) -> int:
        """Hire (or rehire) one person on ``start`` into ``dept``/``grade``; returns the slot."""
        wf, rng = self.wf, self.rng
        day = d64(start)
        rehire = -1
        if allow_rehire and rng.random() < P_REHIRE:
            former = np.nonzero(
                ~np.isnat(wf.term[: wf.n])
                & (wf.term_type[: wf.n] == 0)
                & (wf.term[: wf.n] <= day - np.timedelta64(90, "D"))
                & ~wf.ghost[: wf.n]
                & ~wf.protected[: wf.n]
            )[0]
            if former.size:
                rehire = int(rng.choice(former))
        if rehire >= 0:
            i = rehire
            wf.term[i] = NAT
            wf.term_type[i] = -1
            wf.term_reason[i] = ""
        else:
            i = int(wf.add(1)[0])
            nik_npwp = np.array([start.year >= 2024 and rng.random() < 0.5])
            self.ids.create(
                wf, np.array([i]), [DEPT_REGION[dept]], np.array([day]), np.array([20.0]), np.array([36.0]), nik_npwp
            )
        if emp_type is None:
            if grade == 1 and rng.random() < P_INTERN_AT_G1:
                emp_type = INTERN
            elif grade <= 3 and rng.random() < DEPARTMENTS[dept].pkwt_share + 0.1:
                emp_type = PKWT
            else:
                emp_type = PKWTT
        wf.hire[i] = day
        wf.dept[i] = dept
        wf.grade[i] = grade
        wf.level[i] = 0
        wf.grade_since[i] = day
        wf.emp_type[i] = emp_type
        wf.leave_from[i] = wf.leave_until[i] = NAT
        wf.position[i] = position if emp_type != INTERN else f"Intern - {self.family_of(position)}"
        if emp_type == PKWTT:
            wf.contract_start[i] = wf.contract_end[i] = NAT
        else:
            months = 6 if emp_type == INTERN else int(rng.choice([12, 24]))
            wf.contract_start[i] = day
            wf.contract_end[i] = d64(add_months(start, months)) - DAY
        self.set_pay(np.array([i]), self.band_position(np.array([i]), start.year, 0.05, 0.45), start.year)
        if pay is not None:
            wf.base[i], wf.alw[i] = pay
        if manager:
            assign_managers(wf, np.array([i]))
        else:
            wf.manager[i] = -1
        self._last_was_rehire = rehire >= 0
        if record:
            wf.record(np.array([i]), day, "rehire" if rehire >= 0 else "hire")
        return i
