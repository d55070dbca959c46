"""Company calendar: months of the run, scheduled working days, holidays, pay dates and THR runs.

Scheduled working days are the configured work week (Mon–Fri or Mon–Sat) minus public holidays;
collective-leave days stay scheduled (attendance status ``collective_leave``). The pay date is the 25th,
or the previous scheduled non-collective working day. The THR run is the latest run whose pay date is at
least the deadline (``thr_deadline_days_before_holiday``) before the THR reference holiday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from generator.reference import Reference

PAY_DAY = 25


def period_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_start(period: str) -> dt.date:
    return dt.date.fromisoformat(f"{period}-01")


def add_months(d: dt.date, n: int) -> dt.date:
    """Same day n months later, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))


def month_end(d: dt.date) -> dt.date:
    return add_months(d.replace(day=1), 1) - dt.timedelta(days=1)


def period_range(end_period: str, months: int) -> list[str]:
    end = month_start(end_period)
    return [period_of(add_months(end, -k)) for k in range(months - 1, -1, -1)]


@dataclass
class Month:
    """One calendar month of the simulation."""

    period: str
    index: int
    in_window: bool
    start: dt.date
    end: dt.date
    dates: np.ndarray  # datetime64[D], every calendar day
    public_holiday: np.ndarray  # bool per day
    collective: np.ndarray  # bool per day (collective leave on a scheduled day)
    scheduled: np.ndarray  # bool per day: work week and not a public holiday
    pay_date: dt.date
    thr_holidays: list[dt.date] = field(default_factory=list)  # THR reference dates paid in this run

    @property
    def days_in_month(self) -> int:
        return len(self.dates)

    @property
    def run_id(self) -> str:
        return f"PR-{self.period}"

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def month(self) -> int:
        return self.start.month


class Calendar:
    """Holiday-aware calendar over the simulated months."""

    def __init__(self, ref: Reference, periods: list[str], window: set[str], work_week_days: int) -> None:
        hol = ref.holidays()
        self.work_week_days = work_week_days
        self.public = {d for d, k in zip(hol["holiday_date"], hol["kind"], strict=True) if k == "public_holiday"}
        self.collective = {d for d, k in zip(hol["holiday_date"], hol["kind"], strict=True) if k == "collective_leave"}
        thr_refs: dict[int, dt.date] = {}
        for d, flag in zip(hol["holiday_date"], hol["is_thr_reference"], strict=True):
            if flag and (d.year not in thr_refs or d < thr_refs[d.year]):
                thr_refs[d.year] = d
        self.thr_reference_dates = sorted(thr_refs.values())
        self.months = [self._month(p, i, p in window) for i, p in enumerate(periods)]
        self.by_period = {m.period: m for m in self.months}
        for holiday in self.thr_reference_dates:
            deadline = holiday - dt.timedelta(days=int(ref.labour("thr_deadline_days_before_holiday", holiday)))
            run = self.thr_run_period(holiday, deadline)
            if run in self.by_period:
                self.by_period[run].thr_holidays.append(holiday)

    def is_working_day(self, d: dt.date) -> bool:
        return d.weekday() < self.work_week_days and d not in self.public and d not in self.collective

    def pay_date(self, period: str) -> dt.date:
        d = month_start(period).replace(day=PAY_DAY)
        while not self.is_working_day(d):
            d -= dt.timedelta(days=1)
        return d

    def thr_run_period(self, holiday: dt.date, deadline: dt.date) -> str:
        period = period_of(holiday)
        while self.pay_date(period) > deadline:
            period = period_of(add_months(month_start(period), -1))
        return period

    def thr_deadline(self, ref: Reference, holiday: dt.date) -> dt.date:
        return holiday - dt.timedelta(days=int(ref.labour("thr_deadline_days_before_holiday", holiday)))

    def _month(self, period: str, index: int, in_window: bool) -> Month:
        start = month_start(period)
        end = month_end(start)
        dates = np.arange(np.datetime64(start), np.datetime64(end) + 1)
        days = [start + dt.timedelta(days=k) for k in range(len(dates))]
        weekday = np.array([d.weekday() for d in days])
        public = np.array([d in self.public for d in days])
        scheduled = (weekday < self.work_week_days) & ~public
        collective = np.array([d in self.collective for d in days]) & scheduled
        return Month(period, index, in_window, start, end, dates, public, collective, scheduled, self.pay_date(period))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Scheduled, non-collective working days in [start, end]."""
        n, d = 0, start
        while d <= end:
            n += self.is_working_day(d)
            d += dt.timedelta(days=1)
        return n
