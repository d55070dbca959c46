"""Vectorised office calendar of the finance generator: Mon–Fri minus public holidays and collective leave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HOLIDAYS_CSV = Path(__file__).resolve().parent.parent / "assets" / "reference" / "data" / "holidays.csv"
COUNTRY = "ID"


def holiday_dates(reference: object) -> np.ndarray:
    """Every holiday date (public holidays and collective leave) as datetime64[D].

    Takes ``reference.holidays()`` when the reference offers it, else the reference CSV; an absent calendar
    leaves only weekends as non-working days.
    """
    frame = None
    getter = getattr(reference, "holidays", None)
    if callable(getter):
        frame = getter()
    elif isinstance(getter, pd.DataFrame):
        frame = getter
    if frame is None and HOLIDAYS_CSV.exists():
        frame = pd.read_csv(HOLIDAYS_CSV, dtype=str, keep_default_na=False)
        if "country" in frame.columns:
            frame = frame[frame["country"].str.strip() == COUNTRY]
    if frame is None or len(frame) == 0:
        return np.array([], dtype="datetime64[D]")
    return np.unique(pd.to_datetime(frame["holiday_date"].astype(str)).to_numpy().astype("datetime64[D]"))


def month_bounds(period: str) -> tuple[np.datetime64, np.datetime64]:
    month = np.datetime64(period, "M")
    return month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]") - 1


def _format(values: np.ndarray, unit: str) -> np.ndarray:
    """datetime_as_string over a lookup table of the distinct values (fast on millions of rows); NaT -> ''."""
    values = np.asarray(values).astype(f"datetime64[{unit}]")
    out = np.full(values.shape, "", dtype=object)
    ok = ~np.isnat(values)
    if ok.any():
        ints = values[ok].astype(np.int64)
        low = ints.min()
        table = np.datetime_as_string(np.arange(low, ints.max() + 1).astype(f"datetime64[{unit}]"), unit=unit)
        out[ok] = table[ints - low]
    return out


def periods_of(dates: np.ndarray) -> np.ndarray:
    """'YYYY-MM' of each date (NaT -> '')."""
    return _format(dates, "M")


def iso(dates: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD' of each date (NaT -> '')."""
    return _format(dates, "D")


class WorkCalendar:
    """Office working days around [start, end] with next/previous/shift helpers on date arrays."""

    def __init__(self, start: np.datetime64, end: np.datetime64, holidays: np.ndarray) -> None:
        self.start, self.end = start, end
        self.days = np.arange(start - 800, end + 800, dtype="datetime64[D]")
        weekday = (self.days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        self.holidays = holidays
        self.is_work_day = (weekday < 5) & ~np.isin(self.days, holidays)
        self.work = self.days[self.is_work_day]

    def is_working(self, dates: np.ndarray) -> np.ndarray:
        idx = (np.asarray(dates, dtype="datetime64[D]") - self.days[0]).astype(np.int64)
        return self.is_work_day[idx]

    def on_or_after(self, dates: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.work, np.asarray(dates, dtype="datetime64[D]"), side="left")
        return self.work[np.minimum(idx, len(self.work) - 1)]

    def on_or_before(self, dates: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.work, np.asarray(dates, dtype="datetime64[D]"), side="right") - 1
        return self.work[np.maximum(idx, 0)]

    def shift(self, dates: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """The working day n working days after (n > 0) the working day on or after each date."""
        idx = np.searchsorted(self.work, np.asarray(dates, dtype="datetime64[D]"), side="left") + n
        return self.work[np.clip(idx, 0, len(self.work) - 1)]

    def working_days(self, period: str) -> np.ndarray:
        first, last = month_bounds(period)
        return self.work[(self.work >= first) & (self.work <= last)]

    def non_working_days(self, period: str) -> np.ndarray:
        first, last = month_bounds(period)
        days = np.arange(first, last + 1, dtype="datetime64[D]")
        return days[~self.is_working(days)]
