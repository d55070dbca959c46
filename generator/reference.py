"""Reads the country rule tables (``assets/reference/data/*.csv``) with effective-date lookups.

Every rate, cap, threshold and holiday the generator applies comes from here; nothing Indonesian is a
literal in generator code. A row is in force on day ``d`` when ``effective_from <= d`` and
``effective_to`` is blank or ``>= d``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "assets" / "reference" / "data"
TABLES = (
    "pph21_ter_monthly", "ptkp", "pph21_pasal17", "pph21_parameters", "bpjs_programs",
    "minimum_wages", "overtime_multipliers", "labour_parameters", "holidays",
)  # fmt: skip
#: Rates are stored as integer millionths (pct × 10,000), so every amount is exact integer arithmetic.
RATE_SCALE = 1_000_000


def pct_to_units(pct: float | str) -> int:
    """A percentage as integer millionths of the base: 2.5 -> 25,000 (i.e. 2.5 / 100 × 1,000,000)."""
    return int(round(float(pct) * 10_000))


@dataclass(frozen=True)
class BpjsProgram:
    program: str
    employer_units: int  # millionths of the wage base
    employee_units: int
    wage_cap_idr: int | None
    wage_floor: str  # blank, or e.g. a rule name such as the regional minimum wage


@dataclass(frozen=True)
class TerTable:
    uppers: np.ndarray  # float64 upper bounds (inclusive), inf for the open band
    rate_units: np.ndarray  # int64 millionths


@dataclass(frozen=True)
class Brackets:
    lowers: np.ndarray  # int64, exclusive lower bounds
    uppers: np.ndarray  # float64 inclusive upper bounds (inf = open)
    rate_units: np.ndarray  # int64 millionths


class MissingReferenceError(LookupError):
    """A rule needed for a date is not in the reference data."""


class Reference:
    """The reference tables of one country, loaded once."""

    def __init__(self, country: str = "ID", directory: Path = REFERENCE_DIR) -> None:
        self.country = country
        self.directory = Path(directory)
        self.tables: dict[str, pd.DataFrame] = {name: self._load(name) for name in TABLES}
        self._ter_cache: dict[tuple[str, dt.date], TerTable] = {}

    def _load(self, name: str) -> pd.DataFrame:
        path = self.directory / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"reference table {path} is missing")
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df.columns = [c.strip() for c in df.columns]
        if "country" in df.columns:
            df = df[df["country"].str.strip() == self.country].copy()
        for col in ("effective_from", "effective_to"):
            if col not in df.columns:
                df[col] = ""
            df[col] = [dt.date.fromisoformat(v.strip()) if v.strip() else None for v in df[col]]
        df["effective_from"] = [d or dt.date.min for d in df["effective_from"]]
        df["effective_to"] = [d or dt.date.max for d in df["effective_to"]]
        return df.reset_index(drop=True)

    def active(self, name: str, on: dt.date) -> pd.DataFrame:
        """Rows of table ``name`` in force on ``on``."""
        df = self.tables[name]
        mask = [(f <= on <= t) for f, t in zip(df["effective_from"], df["effective_to"], strict=True)]
        return df[mask]

    # -- parameters -------------------------------------------------------------------------------------
    def parameter(self, table: str, parameter: str, on: dt.date) -> str:
        rows = self.active(table, on)
        rows = rows[rows["parameter"].str.strip() == parameter]
        if rows.empty:
            raise MissingReferenceError(f"{table}.{parameter} not in force on {on}")
        return rows["value"].iloc[-1].strip()

    def parameter_number(self, table: str, parameter: str, on: dt.date) -> float:
        return float(self.parameter(table, parameter, on))

    def pph21_method(self, on: dt.date) -> str:
        return self.parameter("pph21_parameters", "monthly_method", on).upper()

    def labour(self, parameter: str, on: dt.date) -> float:
        return self.parameter_number("labour_parameters", parameter, on)

    # -- tax --------------------------------------------------------------------------------------------
    def ptkp(self, status: str, on: dt.date) -> tuple[int, str]:
        rows = self.active("ptkp", on)
        rows = rows[rows["ptkp_status"].str.strip() == status]
        if rows.empty:
            raise MissingReferenceError(f"PTKP status {status} not in force on {on}")
        row = rows.iloc[-1]
        return int(float(row["ptkp_annual_idr"])), row["ter_category"].strip()

    def ter_table(self, category: str, on: dt.date) -> TerTable:
        key = (category, on)
        if key not in self._ter_cache:
            rows = self.active("pph21_ter_monthly", on)
            rows = rows[rows["category"].str.strip() == category]
            if rows.empty:
                raise MissingReferenceError(f"TER category {category} not in force on {on}")
            uppers = np.array([float(v) if v.strip() else math.inf for v in rows["gross_upper_incl_idr"]])
            lowers = np.array([float(v) if v.strip() else 0.0 for v in rows["gross_lower_excl_idr"]])
            order = np.argsort(lowers, kind="stable")
            rates = np.array([pct_to_units(v) for v in rows["rate_pct"]], dtype=np.int64)
            self._ter_cache[key] = TerTable(uppers=uppers[order], rate_units=rates[order])
        return self._ter_cache[key]

    def pasal17(self, on: dt.date) -> Brackets:
        rows = self.active("pph21_pasal17", on)
        if rows.empty:
            raise MissingReferenceError(f"Pasal 17 brackets not in force on {on}")
        lowers = np.array([int(float(v or 0)) for v in rows["pkp_lower_excl_idr"]], dtype=np.int64)
        uppers = np.array([float(v) if v.strip() else math.inf for v in rows["pkp_upper_incl_idr"]])
        rates = np.array([pct_to_units(v) for v in rows["rate_pct"]], dtype=np.int64)
        order = np.argsort(lowers, kind="stable")
        return Brackets(lowers=lowers[order], uppers=uppers[order], rate_units=rates[order])

    # -- social security --------------------------------------------------------------------------------
    def bpjs(self, program: str, on: dt.date) -> BpjsProgram:
        rows = self.active("bpjs_programs", on)
        rows = rows[rows["program"].str.strip() == program]
        if rows.empty:
            raise MissingReferenceError(f"BPJS program {program} not in force on {on}")
        row = rows.iloc[-1]
        cap = row.get("wage_cap_idr", "").strip()
        return BpjsProgram(
            program=program,
            employer_units=pct_to_units(row["employer_pct"] or 0),
            employee_units=pct_to_units(row["employee_pct"] or 0),
            wage_cap_idr=int(float(cap)) if cap else None,
            wage_floor=str(row.get("wage_floor", "")).strip(),
        )

    # -- wages ------------------------------------------------------------------------------------------
    def min_wage(self, region: str, year: int) -> int:
        """Minimum monthly wage of ``region`` for ``year`` in whole rupiah (decimals rounded up).

        A year outside the table uses the nearest year that has a value (the latest earlier year if any).
        """
        return _min_wage_cached(self, region, year)

    def min_wage_regions(self) -> list[str]:
        return sorted(set(self.tables["minimum_wages"]["region_code"].str.strip()))

    def overtime_tiers(self, scenario: str, on: dt.date) -> list[tuple[float, float, float]]:
        rows = self.active("overtime_multipliers", on)
        rows = rows[rows["scenario"].str.strip() == scenario]
        if rows.empty:
            raise MissingReferenceError(f"overtime scenario {scenario} not in force on {on}")
        tiers = [
            (float(a), float(b), float(m))
            for a, b, m in zip(rows["hour_from"], rows["hour_to"], rows["multiplier"], strict=True)
        ]
        return sorted(tiers)

    # -- calendar ---------------------------------------------------------------------------------------
    def holidays(self) -> pd.DataFrame:
        """holiday_date (date), year, holiday_name, kind, is_thr_reference (bool)."""
        df = self.tables["holidays"].copy()
        df["holiday_date"] = [dt.date.fromisoformat(v.strip()) for v in df["holiday_date"]]
        df["kind"] = df["kind"].str.strip()
        df["is_thr_reference"] = df["is_thr_reference"].str.strip().str.lower().isin(["true", "1", "yes", "y"])
        return df.sort_values("holiday_date").reset_index(drop=True)

    def __hash__(self) -> int:
        return id(self)


@cache
def _min_wage_cached(ref: Reference, region: str, year: int) -> int:
    df = ref.tables["minimum_wages"]
    rows = df[df["region_code"].str.strip() == region]
    if rows.empty:
        raise MissingReferenceError(f"no minimum wage for region {region}")
    years = rows["year"].astype(int).to_numpy()
    earlier = years[years <= year]
    pick = earlier.max() if earlier.size else years.min()
    value = float(rows[years == pick]["min_wage_idr"].iloc[-1])
    return int(math.ceil(value - 1e-9))
