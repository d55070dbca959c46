"""Company pay bands per grade and year, anchored on the lowest regional minimum wage of the year.

The grade-1 floor is the lowest minimum wage among the company's work regions, rounded down to 100,000;
each grade's band is a fixed multiple of that floor (``data.BAND_MULTIPLES``). Bands change every January.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from generator.data import BAND_MULTIPLES, DEPARTMENTS
from generator.reference import Reference

ROUND = 100_000


class PayBands:
    def __init__(self, ref: Reference, first_year: int, last_year: int) -> None:
        self.first_year, self.last_year = first_year, last_year
        regions = sorted({d.region for d in DEPARTMENTS})
        self.table: dict[int, np.ndarray] = {}  # year -> array[grade 0..8, (min, mid, max)]
        for year in range(first_year, last_year + 1):
            floor = min(ref.min_wage(r, year) for r in regions) // ROUND * ROUND
            arr = np.zeros((9, 3), dtype=np.int64)
            for grade, (lo, hi) in BAND_MULTIPLES.items():
                mn = int(round(floor * lo / ROUND)) * ROUND
                mx = int(round(floor * hi / ROUND)) * ROUND
                arr[grade] = (mn, (mn + mx) // 2 // ROUND * ROUND, mx)
            self.table[year] = arr

    def _year(self, year: int) -> np.ndarray:
        return self.table[min(max(year, self.first_year), self.last_year)]

    def band_min(self, year: int, grade: np.ndarray) -> np.ndarray:
        return self._year(year)[np.asarray(grade, dtype=np.int64), 0]

    def band_max(self, year: int, grade: np.ndarray) -> np.ndarray:
        return self._year(year)[np.asarray(grade, dtype=np.int64), 2]

    def frame(self) -> pd.DataFrame:
        rows = []
        for year, arr in sorted(self.table.items()):
            for grade in BAND_MULTIPLES:
                rows.append(
                    {
                        "grade": f"G{grade}",
                        "min_idr": int(arr[grade, 0]),
                        "mid_idr": int(arr[grade, 1]),
                        "max_idr": int(arr[grade, 2]),
                        "effective_from": dt.date(year, 1, 1),
                        "effective_to": dt.date(year, 12, 31) if year < self.last_year else None,
                    }
                )
        return pd.DataFrame(rows)
