"""Requisitions: opened when someone leaves (or for growth), first applicant a few days later, offer
accepted 20–60 days after opening, filled on the new hire's start date (the 1st of a month or mid-month)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.calendar import add_months
from generator.org import DEPT_IDS

CANCEL_SHARE = 0.03


@dataclass
class Requisition:
    dept: int
    grade: int
    position: str
    opened: dt.date
    applied: dt.date
    offer: dt.date | None
    start: dt.date | None
    cancelled: dt.date | None = None
    hired: int = -1  # workforce slot once filled


class Recruiting:
    def __init__(self, rng: np.random.Generator, is_working_day: Callable[[dt.date], bool]) -> None:
        self.rng = rng
        self.is_working_day = is_working_day
        self.reqs: list[Requisition] = []

    def open(self, dept: int, grade: int, position: str, opened: dt.date, not_before: dt.date) -> Requisition:
        """Open a requisition; its hire starts no earlier than ``not_before`` (the next unsimulated month)."""
        rng = self.rng
        applied = opened + dt.timedelta(days=int(rng.integers(2, 11)))
        offer = opened + dt.timedelta(days=int(rng.integers(20, 61)))
        if rng.random() < 0.5:  # start on the 1st of the month after a notice period
            start = add_months((offer + dt.timedelta(days=7)).replace(day=1), 1)
        else:
            start = offer + dt.timedelta(days=int(rng.integers(7, 22)))
        if start < not_before:
            start = not_before
        if start.day != 1:  # mid-month starts are on a working day
            while not self.is_working_day(start):
                start += dt.timedelta(days=1)
        req = Requisition(dept, grade, position, opened, applied, offer, start)
        if rng.random() < CANCEL_SHARE:
            req.cancelled = opened + dt.timedelta(days=int(rng.integers(10, 40)))
            req.offer = req.start = None
        self.reqs.append(req)
        return req

    def add_filled(self, dept: int, grade: int, position: str, start: dt.date, slot: int) -> None:
        """A requisition behind a hire made outside the usual flow (opened 30–50 days before the start)."""
        opened = start - dt.timedelta(days=int(self.rng.integers(35, 56)))
        offer = opened + dt.timedelta(days=int(self.rng.integers(20, 31)))
        req = Requisition(dept, grade, position, opened, opened + dt.timedelta(days=3), offer, start, hired=slot)
        self.reqs.append(req)

    def due(self, start: dt.date, end: dt.date) -> list[Requisition]:
        return [r for r in self.reqs if r.start is not None and r.hired < 0 and start <= r.start <= end]

    def pending(self, on: dt.date) -> int:
        """Requisitions opened and neither filled nor cancelled by ``on``."""
        return sum(1 for r in self.reqs if r.hired < 0 and r.cancelled is None and r.start is not None)

    def frame(self, employee_ids: np.ndarray, extract: dt.date) -> pd.DataFrame:
        """State at the extract date; requisitions opened after it are left out."""
        rows = []
        for r in self.reqs:
            if r.opened > extract:
                continue
            filled = r.hired >= 0 and r.start is not None and r.start <= extract
            cancelled = r.cancelled is not None and r.cancelled <= extract
            status = "filled" if filled else "cancelled" if cancelled else "open"
            rows.append(
                {
                    "department_id": DEPT_IDS[r.dept],
                    "position": r.position,
                    "grade": f"G{r.grade}",
                    "opened_date": r.opened,
                    "first_candidate_applied_date": r.applied if r.applied <= extract else None,
                    "offer_accepted_date": r.offer if filled else None,
                    "filled_date": r.start if filled else None,
                    "status": status,
                    "hired_employee_id": str(employee_ids[r.hired]) if filled else None,
                }
            )
        columns = [
            "department_id",
            "position",
            "grade",
            "opened_date",
            "first_candidate_applied_date",
            "offer_accepted_date",
            "filled_date",
            "status",
            "hired_employee_id",
        ]
        df = pd.DataFrame(rows, columns=columns)
        df = df.sort_values(["opened_date", "department_id", "position"], kind="stable").reset_index(drop=True)
        df.insert(0, "requisition_id", [f"REQ{i + 1:06d}" for i in range(len(df))])
        return df
