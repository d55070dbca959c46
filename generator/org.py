"""Organisation: departments table, management layers (span of control 5–10) and manager assignment."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from generator.data import COST_CENTERS, DEPARTMENTS
from generator.workforce import HEAD_LEVEL, Workforce

SPAN = 8  # target reports per manager
SPAN_MIN = 5  # a manager below this many direct reports takes new staff first
MAX_FLAT = 10  # a manager takes up to this many staff directly before a layer of team leads is added

DEPT_IDS = np.array([d.department_id for d in DEPARTMENTS])
DEPT_REGION = np.array([d.region for d in DEPARTMENTS])
DEPT_INDEX = {d.department_id: i for i, d in enumerate(DEPARTMENTS)}
PARENT = np.array([DEPT_INDEX.get(d.parent, -1) for d in DEPARTMENTS])


def departments_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department_id": [d.department_id for d in DEPARTMENTS],
            "department_name": [d.name for d in DEPARTMENTS],
            "parent_department_id": [d.parent for d in DEPARTMENTS],
            "cost_center": [COST_CENTERS[d.department_id] for d in DEPARTMENTS],
            "region_code": [d.region for d in DEPARTMENTS],
            "domain": [d.domain for d in DEPARTMENTS],
        }
    )


def split_headcount(total: int) -> np.ndarray:
    """Headcount per department by weight (largest remainder), at least 3 each."""
    w = np.array([d.weight for d in DEPARTMENTS])
    raw = w / w.sum() * total
    n = np.maximum(np.floor(raw).astype(int), 3)
    while n.sum() < total:
        n[np.argmax(raw - n)] += 1
    while n.sum() > total:
        n[np.argmax(n)] -= 1
    return n


def management_layers(total: int) -> list[int]:
    """Manager counts per layer below the head, top layer first, for a department of ``total`` people."""
    staff = total - 1
    for _ in range(10):
        layers: list[int] = []
        below = staff
        while below > MAX_FLAT:
            below = math.ceil(below / SPAN)
            layers.append(below)
        new_staff = total - 1 - sum(layers)
        if new_staff == staff:
            break
        staff = new_staff
    return layers[::-1]


def head_of(wf: Workforce, dept: int) -> int:
    """Slot of the department head (level 9, active)."""
    m = (wf.dept[: wf.n] == dept) & (wf.level[: wf.n] == HEAD_LEVEL) & wf.is_active()
    hits = np.nonzero(m)[0]
    return int(hits[0]) if hits.size else -1


def assign_managers(wf: Workforce, idx: np.ndarray) -> None:
    """Give staff in ``idx`` a manager in their department: one with fewer than ``SPAN_MIN`` direct reports
    if any, else the lowest-layer manager with the fewest."""
    if len(idx) == 0:
        return
    active = wf.is_active()
    mgr = wf.manager[: wf.n]
    reports = np.bincount(mgr[active & (mgr >= 0)], minlength=wf.n)
    levels = wf.level[: wf.n]
    depts = wf.dept[idx]
    for dept in np.unique(depts):
        cand = np.nonzero(active & (wf.dept[: wf.n] == dept) & (levels > 0))[0]
        members = idx[depts == dept]
        if cand.size == 0:
            wf.manager[members] = -1
            continue
        counts = reports[cand].copy()
        lowest = levels[cand] == levels[cand].min()
        for i in members:
            short = counts < SPAN_MIN
            pool = np.nonzero(short if short.any() else lowest)[0]
            j = int(pool[np.argmin(counts[pool])])
            wf.manager[i] = cand[j]
            counts[j] += 1
