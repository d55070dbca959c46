"""Training records: each month some employees attend a course (hours and cost per participant)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.calendar import Month
from generator.context import Context
from generator.data import COURSES
from generator.workforce import Workforce, d64

P_TRAINING = 0.07  # share of employees starting a course in a month


def training_month(ctx: Context, wf: Workforce, month: Month) -> pd.DataFrame:
    rng = ctx.stream("training", month.index)
    start, end = d64(month.start), d64(month.end)
    days = month.dates[month.scheduled & ~month.collective]
    emp = np.nonzero(wf.employed_between(start, end) & ~wf.ghost[: wf.n])[0]
    pick = emp[rng.random(len(emp)) < P_TRAINING]
    if pick.size == 0 or days.size == 0:
        return pd.DataFrame()
    day = days[rng.integers(0, len(days), len(pick))]
    hire, term = wf.hire[pick], wf.term_or_far()[pick]
    ok = (day >= hire) & (day <= term)
    pick, day = pick[ok], day[ok]
    course = rng.integers(0, len(COURSES), len(pick))
    hours = np.array([c[1] for c in COURSES])[course]
    cost = np.array([c[2] for c in COURSES])[course] * rng.uniform(0.9, 1.1, len(pick))
    return pd.DataFrame(
        {
            "employee_id": wf.employee_ids(pick),
            "course_name": np.array([c[0] for c in COURSES], dtype=object)[course],
            "start_date": day.astype("M8[D]"),
            "hours": hours.astype(np.int64),
            "cost_idr": (np.round(cost / 10_000) * 10_000).astype(np.int64),
        }
    )
