"""The simulated workforce as numpy arrays (one slot per person ever employed) plus the event log.

Persons are created in order; a rehire reuses the person's slot and employee_id. ``record`` appends
job-history events with the full state after the event, gathered from the arrays in one vectorised step.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

NAT = np.datetime64("NaT", "D")
FAR = np.datetime64("2999-12-31")

_FIELDS: dict[str, tuple[str, object]] = {
    "full_name": ("O", ""), "gender": ("U1", ""), "birth": ("M8[D]", NAT), "national_id": ("O", ""),
    "tax_id": ("O", ""), "bank_account": ("O", ""), "email": ("O", ""),
    "hire": ("M8[D]", NAT), "term": ("M8[D]", NAT), "term_type": ("i1", -1), "term_reason": ("O", ""),
    "dept": ("i2", -1), "grade": ("i1", 0), "position": ("O", ""), "manager": ("i4", -1),
    "level": ("i1", 0), "emp_type": ("i1", 0), "contract_end": ("M8[D]", NAT),
    "contract_start": ("M8[D]", NAT), "ptkp": ("O", "TK/0"), "base": ("i8", 0), "alw": ("i8", 0),
    "grade_since": ("M8[D]", NAT), "ot_prop": ("f8", 1.0), "abs_factor": ("f8", 1.0),
    "al_year": ("i4", 0), "al_taken": ("i4", 0), "leave_from": ("M8[D]", NAT), "leave_until": ("M8[D]", NAT),
    "protected": ("?", False), "ghost": ("?", False), "frozen_salary": ("?", False), "no_leave": ("?", False),
    "force_renew": ("?", False), "keep_expired": ("?", False),
}  # fmt: skip
#: level codes: 0 staff, 1 team lead, 2+ middle managers, 9 department head
HEAD_LEVEL = 9
EVENT_STATE = ("dept", "position", "grade", "manager", "emp_type", "contract_end", "base", "alw",
               "term_type", "term_reason")  # fmt: skip


def d64(d: dt.date) -> np.datetime64:
    return np.datetime64(d, "D")


class Workforce:
    """Struct-of-arrays of every person; ``n`` slots are in use."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.capacity = 0
        for name, (dtype, fill) in _FIELDS.items():
            setattr(self, name, np.full(0, fill, dtype=dtype))
        self._grow(max(capacity, 16))
        self.events: list[dict[str, np.ndarray]] = []

    def _grow(self, capacity: int) -> None:
        for name, (dtype, fill) in _FIELDS.items():
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self.capacity = capacity

    def add(self, k: int) -> np.ndarray:
        """Reserve ``k`` new person slots and return their indices."""
        if self.n + k > self.capacity:
            self._grow(max(self.capacity * 2, self.n + k))
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx

    # -- views --------------------------------------------------------------------------------------------
    def employee_ids(self, idx: np.ndarray | None = None) -> np.ndarray:
        idx = np.arange(self.n) if idx is None else np.asarray(idx)
        return np.char.add("E", np.char.zfill((idx + 1).astype(str), 5))

    def term_or_far(self) -> np.ndarray:
        t = self.term[: self.n]
        return np.where(np.isnat(t), FAR, t)

    def active_on(self, day: np.datetime64) -> np.ndarray:
        """Mask over slots 0..n-1 of persons employed on ``day``."""
        return (self.hire[: self.n] <= day) & (self.term_or_far() >= day)

    def employed_between(self, start: np.datetime64, end: np.datetime64) -> np.ndarray:
        return (self.hire[: self.n] <= end) & (self.term_or_far() >= start)

    def is_active(self) -> np.ndarray:
        """Hired and not terminated (state after the events processed so far)."""
        return ~np.isnat(self.hire[: self.n]) & np.isnat(self.term[: self.n])

    # -- event log ----------------------------------------------------------------------------------------
    def record(self, idx: np.ndarray, date: np.ndarray | np.datetime64, event_type: str) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return
        batch = {
            "idx": idx,
            "date": np.broadcast_to(np.asarray(date, dtype="M8[D]"), idx.shape).copy(),
            "type": np.full(idx.size, event_type, dtype=object),
        }
        for name in EVENT_STATE:
            batch[name] = getattr(self, name)[idx].copy()
        self.events.append(batch)

    def record_rows(self, idx: np.ndarray, date: np.ndarray, event_type: str, **state: np.ndarray) -> None:
        """Append events whose state differs from the current arrays (pre-history)."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return
        batch = {
            "idx": idx,
            "date": np.asarray(date, dtype="M8[D]"),
            "type": np.full(idx.size, event_type, dtype=object),
        }
        for name in EVENT_STATE:
            batch[name] = np.asarray(state[name]) if name in state else getattr(self, name)[idx].copy()
        self.events.append(batch)
