"""Attendance and leave per month, vectorised as (employee × scheduled day) status matrices.

One row per employee per scheduled working day while employed, plus rest-day/holiday rows that carry
overtime. Statuses are assigned in priority order: collective leave, long and special leave
(``other_leave``), approved annual-leave blocks, sick spells, permits, unpaid absences, else present.
Workday overtime (1–3 h) goes to overtime-eligible staff on present days. Leave rows mirror the attendance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from generator.calendar import Month, add_months
from generator.context import Context
from generator.data import DEPARTMENTS, OVERTIME_EXEMPT_FROM_GRADE
from generator.rules import overtime_multiplier_hours
from generator.workforce import Workforce, d64

STATUS = np.array(["present", "sick", "permit", "unpaid_absence", "annual_leave", "other_leave",
                   "collective_leave"])  # fmt: skip
PRESENT, SICK, PERMIT, UNPAID, ANNUAL, OTHER, COLLECTIVE = range(7)
DAY_TYPES = np.array(["workday", "restday", "holiday"])
# company behaviour (calibrated to 2–4% absenteeism and ~11 annual-leave days a year)
P_SICK_START, P_PERMIT, P_UNPAID = 0.0110, 0.0075, 0.0028
P_ANNUAL_REQUEST, P_ANNUAL_REQUEST_DEC, P_REJECT = 0.28, 0.45, 0.05
P_SPECIAL, P_MATERNITY = 0.006, 0.004
OT_SCALE = 1.4  # calibrates company-wide overtime to about 4–5 h per employee a month
OT_HOURS = np.array([1.0, 1.5, 2.0, 2.5, 3.0])
OT_HOURS_P = np.array([0.30, 0.15, 0.30, 0.10, 0.15])
REST_OT_HOURS = np.array([4.0, 5.0, 6.0, 7.0, 8.0])
MATERNITY_DAYS = 90
LEAVE_COLUMNS = ("emp", "type", "start", "end", "days", "status", "approver")


@dataclass
class AttendanceMonth:
    table: pa.Table | None
    ot_x100: np.ndarray  # per slot: Σ hours × multiplier × 100 for the month
    ot_hours: np.ndarray  # per slot: approved overtime hours
    leave: dict[str, np.ndarray] = field(default_factory=dict)
    scheduled: int = 0  # employee-days scheduled (excluding collective leave)
    absent: int = 0  # sick + permit + unpaid


@dataclass
class MonthGrid:
    """What anomaly hooks may edit before rows are built."""

    emp: np.ndarray  # slots, ascending
    dates: np.ndarray  # scheduled dates
    active: np.ndarray  # E × D bool
    status: np.ndarray  # E × D uint8
    ot: np.ndarray  # E × D float hours (workday overtime)
    eligible: np.ndarray  # E bool (overtime-eligible)
    week: np.ndarray  # D int, ISO week ordinal of each date


class Attendance:
    def __init__(self, ctx: Context, wf: Workforce) -> None:
        self.ctx, self.wf = ctx, wf
        self.ref = ctx.reference
        self.dept_ot = np.array([d.overtime for d in DEPARTMENTS]) * OT_SCALE
        self.dept_rest_ot = np.array([d.restday_overtime for d in DEPARTMENTS])

    def month(self, month: Month, hooks=None, write: bool = True) -> AttendanceMonth:  # noqa: C901
        ctx, wf = self.ctx, self.wf
        rng = ctx.stream("attendance", month.index)
        start, end = d64(month.start), d64(month.end)
        sched = np.nonzero(month.scheduled)[0]
        dates = month.dates[sched]
        coll = month.collective[sched]
        emp = np.nonzero(wf.employed_between(start, end) & ~wf.ghost[: wf.n])[0]
        E, D = len(emp), len(dates)
        hire, term = wf.hire[emp], wf.term_or_far()[emp]
        active = (dates[None, :] >= hire[:, None]) & (dates[None, :] <= term[:, None])
        full_month = (hire <= start) & (term >= end)
        status = np.zeros((E, D), dtype=np.uint8)
        status[:, coll] = COLLECTIVE
        leave: list[dict[str, np.ndarray]] = []
        approver = self._approvers(emp)
        on_annual_year = np.full(E, month.year)

        # long leave (maternity) and special leave → other_leave
        self._plan_maternity(month, emp, full_month, rng, leave, approver)
        lf, lu = wf.leave_from[emp], wf.leave_until[emp]
        in_long = (dates[None, :] >= lf[:, None]) & (dates[None, :] <= lu[:, None])
        status[in_long & (status == PRESENT)] = OTHER
        free = active & (status == PRESENT)
        self._blocks(rng, free, status, OTHER, P_SPECIAL, 1, 3, emp, dates, leave, "special", approver, full_month)

        # annual leave: eligible after the minimum service, up to the yearly entitlement
        wf.al_taken[emp] = np.where(wf.al_year[emp] == month.year, wf.al_taken[emp], 0)
        wf.al_year[emp] = on_annual_year
        min_service = int(self.ref.labour("annual_leave_min_service_months", month.start))
        entitlement = int(self.ref.labour("annual_leave_days", month.start))
        eligible_al = full_month & (hire <= np.datetime64(_minus_months(month.start, min_service), "D"))
        remaining = np.where(eligible_al, entitlement - wf.al_taken[emp], 0)
        p_req = P_ANNUAL_REQUEST_DEC if month.month == 12 else P_ANNUAL_REQUEST
        free = active & (status == PRESENT)
        req = (rng.random(E) < p_req) & (remaining > 0)
        length = np.minimum(rng.integers(1, 6, E), remaining)
        s = rng.integers(0, np.maximum(D - length + 1, 1))
        j = np.arange(D)[None, :]
        block = (j >= s[:, None]) & (j < (s + length)[:, None]) & req[:, None]
        fits = req & (block <= free).all(axis=1) & (length <= D)
        rejected = fits & ((rng.random(E) < P_REJECT) | wf.no_leave[emp])
        approved = fits & ~rejected
        status[block & approved[:, None]] = ANNUAL
        wf.al_taken[emp] += np.where(approved, length, 0)
        for mask, st in ((approved, "approved"), (rejected, "rejected")):
            r = np.nonzero(mask)[0]
            leave.append(
                _leave_rows(emp[r], "annual", dates[s[r]], dates[s[r] + length[r] - 1], length[r], st, approver[r])
            )

        # unplanned absence: sick spells (1–3 working days), permits, unpaid absences
        factor = wf.abs_factor[emp][:, None]
        free = active & (status == PRESENT)
        starts = rng.random((E, D)) < P_SICK_START * factor
        spell = rng.choice(np.array([1, 2, 3]), size=(E, D), p=[0.5, 0.3, 0.2])
        sick = np.zeros((E, D), dtype=bool)
        for k in range(3):
            src = starts & (spell > k)
            sick[:, k:] |= src[:, : D - k] if k else src
        sick &= free
        status[sick] = SICK
        leave.append(_runs_to_leave(sick, emp, dates, "sick", approver))
        free = active & (status == PRESENT)
        u = rng.random((E, D))
        status[free & (u < P_PERMIT * factor)] = PERMIT
        status[free & (u >= P_PERMIT * factor) & (u < (P_PERMIT + P_UNPAID) * factor)] = UNPAID

        # workday overtime for eligible staff on present, non-collective days
        eligible = wf.grade[emp] < OVERTIME_EXEMPT_FROM_GRADE
        p_ot = self.dept_ot[wf.dept[emp]] * wf.ot_prop[emp] * eligible
        present = active & (status == PRESENT)
        ot_day = present & (rng.random((E, D)) < p_ot[:, None])
        ot = np.where(ot_day, rng.choice(OT_HOURS, size=(E, D), p=OT_HOURS_P), 0.0)
        week = _iso_week(dates)
        grid = MonthGrid(emp, dates, active, status, ot, eligible, week)
        if hooks is not None:
            hooks.attendance(month, grid)
        ot = grid.ot * ((grid.status == PRESENT) & active)

        # rest-day and holiday overtime rows
        off = np.nonzero(~month.scheduled)[0]
        off_dates = month.dates[off]
        p_rest = self.dept_rest_ot[wf.dept[emp]] * wf.ot_prop[emp] * eligible
        off_active = (off_dates[None, :] >= hire[:, None]) & (off_dates[None, :] <= term[:, None])
        on_leave = (off_dates[None, :] >= lf[:, None]) & (off_dates[None, :] <= lu[:, None])
        rest = off_active & ~on_leave & (rng.random((E, len(off))) < p_rest[:, None])
        rr, rc = np.nonzero(rest)
        rest_hours = rng.choice(REST_OT_HOURS, size=len(rr))
        rest_type = np.where(month.public_holiday[off[rc]], 2, 1)

        # per-employee overtime multiplier-hours
        ot_x100 = np.zeros(wf.n, dtype=np.int64)
        ot_hours = np.zeros(wf.n, dtype=np.float64)
        wr, wc = np.nonzero(ot > 0)
        wh = ot[wr, wc]
        mh = overtime_multiplier_hours(self.ref, wh, "workday", month.start, ctx.config.work_week_days)
        rmh = np.zeros(len(rr))
        for t in (1, 2):
            m = rest_type == t
            rmh[m] = overtime_multiplier_hours(
                self.ref, rest_hours[m], str(DAY_TYPES[t]), month.start, ctx.config.work_week_days
            )
        slots = np.concatenate([emp[wr], emp[rr]])
        ot_x100 += np.rint(np.bincount(slots, weights=np.concatenate([mh, rmh]) * 100, minlength=wf.n)).astype(np.int64)
        ot_hours += np.bincount(slots, weights=np.concatenate([wh, rest_hours]), minlength=wf.n)

        leave_rows = _concat_leave(leave)
        scheduled = int((active & ~coll[None, :]).sum())
        absent = int(np.isin(status[active], (SICK, PERMIT, UNPAID)).sum())
        table = None
        if write:
            table = self._table(rng, emp, dates, active, grid.status, ot, rr, off_dates[rc], rest_hours, rest_type)
        return AttendanceMonth(table, ot_x100, ot_hours, leave_rows, scheduled, absent)

    def _approvers(self, emp: np.ndarray) -> np.ndarray:
        wf = self.wf
        mgr = wf.manager[emp]
        hr_head = np.nonzero((wf.dept[: wf.n] == 1) & (wf.level[: wf.n] == 9))[0]
        fallback = hr_head[0] if hr_head.size else -1
        return np.where(mgr >= 0, mgr, fallback)

    def _plan_maternity(self, month: Month, emp, full_month, rng, leave, approver) -> None:
        wf = self.wf
        start = d64(month.start)
        age = (start - wf.birth[emp]).astype(np.int64) / 365.25
        lu = wf.leave_until[emp]
        cand = (
            full_month
            & (wf.gender[emp] == "F")
            & (wf.emp_type[emp] == 0)
            & (age >= 22)
            & (age <= 40)
            & ~wf.protected[emp]
            & (np.isnat(lu) | (lu < start))
        )
        pick = np.nonzero(cand & (rng.random(len(emp)) < P_MATERNITY))[0]
        if pick.size == 0:
            return
        offs = rng.integers(0, 14, len(pick))
        first = start + offs.astype("m8[D]")
        last = first + np.timedelta64(MATERNITY_DAYS - 1, "D")
        slots = emp[pick]
        wf.leave_from[slots], wf.leave_until[slots] = first, last
        cal = self.ctx.calendar
        days = np.array(
            [cal.working_days_between(f.astype(dt.date), t.astype(dt.date)) for f, t in zip(first, last, strict=True)]
        )
        leave.append(_leave_rows(slots, "maternity", first, last, days, "approved", approver[pick]))

    def _blocks(self, rng, free, status, code, p, lo, hi, emp, dates, leave, kind, approver, full_month) -> None:
        E, D = free.shape
        req = (rng.random(E) < p) & full_month
        length = rng.integers(lo, hi + 1, E)
        s = rng.integers(0, np.maximum(D - length + 1, 1))
        j = np.arange(D)[None, :]
        block = (j >= s[:, None]) & (j < (s + length)[:, None]) & req[:, None]
        ok = req & (block <= free).all(axis=1) & (length <= D)
        status[block & ok[:, None]] = code
        r = np.nonzero(ok)[0]
        leave.append(
            _leave_rows(emp[r], kind, dates[s[r]], dates[s[r] + length[r] - 1], length[r], "approved", approver[r])
        )

    def _table(self, rng, emp, dates, active, status, ot, rr, rest_dates, rest_hours, rest_type) -> pa.Table:
        wf = self.wf
        r, c = np.nonzero(active)
        st = status[r, c]
        n = len(r)
        present = st == PRESENT
        base_in = np.datetime64("1970-01-01T07:30:00", "s").astype(np.int64)
        cin = rng.normal(15 * 60, 12 * 60, n).clip(-45 * 60, 105 * 60) // 60 * 60
        day_s = dates[c].astype("M8[s]").astype(np.int64)
        clock_in = day_s + base_in + cin.astype(np.int64)
        hours = ot[r, c]
        clock_out = clock_in + (9 * 3600 + hours * 3600).astype(np.int64) + rng.integers(0, 26, n) * 60
        # rest-day rows
        k = len(rr)
        rin = rest_dates.astype("M8[s]").astype(np.int64) + 8 * 3600 + rng.integers(-15, 30, k) * 60
        breaks = np.where(rest_hours > 4, 3600, 0)
        rout = rin + (rest_hours * 3600).astype(np.int64) + breaks + rng.integers(0, 16, k) * 60
        local = np.concatenate([r, rr])  # emp is ascending, so local order = employee order
        days = np.concatenate([dates[c], rest_dates])
        order = np.lexsort((days, local))
        ids = wf.employee_ids(emp)[local[order]]
        status_txt = np.concatenate([STATUS[st], np.full(k, "present")])[order]
        day_type = np.concatenate([np.zeros(n, np.int64), rest_type])[order]
        pres = np.concatenate([present, np.ones(k, bool)])[order]
        cin_all = np.concatenate([clock_in, rin])[order]
        cout_all = np.concatenate([clock_out, rout])[order]
        hours_all = np.concatenate([np.where(present, hours, 0.0), rest_hours])[order]
        ts = pa.timestamp("s")
        return pa.table(
            {
                "employee_id": pa.array(ids, pa.string()),
                "attendance_date": pa.array(days[order], pa.date32()),
                "status": pa.array(status_txt, pa.string()),
                "clock_in": pa.array(cin_all.astype("M8[s]"), ts, mask=~pres),
                "clock_out": pa.array(cout_all.astype("M8[s]"), ts, mask=~pres),
                "day_type": pa.array(DAY_TYPES[day_type], pa.string()),
                "overtime_hours_approved": pa.array(hours_all.astype(np.float64), pa.float64()),
            }
        )


def _minus_months(d: dt.date, n: int) -> dt.date:
    return add_months(d, -n)


def _iso_week(dates: np.ndarray) -> np.ndarray:
    """Monday-based week ordinal of each date (same value within one Mon–Sun week)."""
    days = dates.astype(np.int64)  # days since 1970-01-01, a Thursday
    return (days + 3) // 7


def _leave_rows(emp, kind, start, end, days, status, approver) -> dict[str, np.ndarray]:
    n = len(emp)
    return {
        "emp": np.asarray(emp, np.int64),
        "type": np.full(n, kind, dtype=object),
        "start": np.asarray(start, "M8[D]"),
        "end": np.asarray(end, "M8[D]"),
        "days": np.asarray(days, np.int64),
        "status": np.full(n, status, dtype=object),
        "approver": np.asarray(approver, np.int64),
    }


def _runs_to_leave(mask: np.ndarray, emp, dates, kind, approver) -> dict[str, np.ndarray]:
    """Contiguous runs of True per row (in scheduled-day order) as leave rows."""
    E, D = mask.shape
    padded = np.zeros((E, D + 2), dtype=bool)
    padded[:, 1:-1] = mask
    diff = np.diff(padded.astype(np.int8), axis=1)
    sr, sc = np.nonzero(diff == 1)
    er, ec = np.nonzero(diff == -1)
    return _leave_rows(emp[sr], kind, dates[sc], dates[ec - 1], ec - sc, "approved", approver[sr])


def _concat_leave(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    parts = [p for p in parts if len(p["emp"])]
    if not parts:
        return _leave_rows(
            np.zeros(0, np.int64),
            "annual",
            np.zeros(0, "M8[D]"),
            np.zeros(0, "M8[D]"),
            np.zeros(0, np.int64),
            "approved",
            np.zeros(0, np.int64),
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in LEAVE_COLUMNS}
