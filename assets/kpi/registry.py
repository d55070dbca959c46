"""The KPI registry (``registry/<domain>.yaml``): what each KPI means, how it is computed, which SQL model makes it,
and what its values may be: the bounds of its unit (``registry/units.csv``, or the entry's own ``value_range``) and
whether its departments' values add up to the company's (``additive``). ``marts.kpi_registry`` holds all of it; the
quality suite of ``marts.kpi_values`` (assets/kpi/sql/kpi_values.yaml) checks the values against it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict, TypeAdapter

from pipelines import yamlfile
from pipelines.db import insert_rows, keyed

REGISTRY_DIR = Path(__file__).parent / "registry"
SQL_DIR = Path(__file__).parent / "sql"
UNITS_FILE = REGISTRY_DIR / "units.csv"


class ValueRange(BaseModel):
    """The values a KPI can take, in place of its unit's bounds; a missing side is unbounded (``{}``: any value,
    e.g. a variance or a net of debits and credits)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None


class KpiDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    name_id: str
    domain: str
    unit: Literal["employees", "pct", "money", "days", "hours", "ratio", "count", "fte", "years"]
    direction: Literal["higher_is_better", "lower_is_better", "neutral"]
    model: str
    definition: str
    formula: str
    source: str
    needs: tuple[str, ...] = ()  # canonical columns this KPI needs beyond those of its model's inputs
    # the departments' values (UNASSIGNED among them) add up to the company's (ALL) each month: counts and amounts
    # of people or money attributed to exactly one department, never rates, averages or distinct counts
    additive: bool = False
    value_range: ValueRange | None = None  # replaces the unit's bounds of units.csv


@dataclass(frozen=True)
class UnitBounds:
    """A row of ``registry/units.csv``: the values a KPI of the unit can take (None: unbounded) and how far a value
    may stray from a bound, or the departments' sum of an additive KPI from the company value (floating point)."""

    unit: str
    min_value: float | None
    max_value: float | None
    tolerance: float
    meaning: str


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


@lru_cache(maxsize=1)
def load_units(path: Path = UNITS_FILE) -> dict[str, UnitBounds]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        r["unit"]: UnitBounds(
            r["unit"],
            _number(r["min_value"]),
            _number(r["max_value"]),
            _number(r["tolerance"]) or 0.0,
            r["meaning"],
        )
        for r in rows
    }


def value_bounds(entry: KpiDefinition) -> tuple[float | None, float | None]:
    """(min, max) of the KPI's values: its own value_range, else its unit's row of units.csv (unbounded without)."""
    if entry.value_range is not None:
        return entry.value_range.min, entry.value_range.max
    unit = load_units().get(entry.unit)
    return (unit.min_value, unit.max_value) if unit else (None, None)


# marts.kpi_registry: the entry's fields (needs left out) and what the checks read, resolved
REGISTRY_COLUMNS = {
    "code": "varchar primary key", "name": "varchar", "name_id": "varchar", "domain": "varchar", "unit": "varchar",
    "direction": "varchar", "model": "varchar", "definition": "varchar", "formula": "varchar", "source": "varchar",
    "is_additive": "boolean", "min_value": "double", "max_value": "double", "tolerance": "double",
}  # fmt: skip


def registry_rows() -> list[tuple]:
    rows = []
    for e in load_registry():
        low, high = value_bounds(e)
        unit = load_units().get(e.unit)
        tolerance = unit.tolerance if unit else 0.0
        fields = (e.code, e.name, e.name_id, e.domain, e.unit, e.direction, e.model, e.definition, e.formula, e.source)
        rows.append((*fields, e.additive, low, high, tolerance))
    return rows


def write_registry_table(con: duckdb.DuckDBPyConnection) -> None:
    """``marts.kpi_registry``: one row per KPI, in file order (domain files sorted, entries as written)."""
    con.execute("create schema if not exists marts")
    columns = ", ".join(f"{name} {kind}" for name, kind in REGISTRY_COLUMNS.items())
    con.execute(keyed(con, f"create or replace table marts.kpi_registry ({columns})"))
    insert_rows(
        con, f"insert into marts.kpi_registry values ({', '.join('?' * len(REGISTRY_COLUMNS))})", registry_rows()
    )


@lru_cache(maxsize=1)
def load_registry(directory: Path = REGISTRY_DIR) -> tuple[KpiDefinition, ...]:
    """Every KPI of every domain file, validated: unique codes, and each names an existing SQL model."""
    adapter = TypeAdapter(list[KpiDefinition])
    entries: list[KpiDefinition] = []
    for path in sorted(directory.glob("*.yaml")):
        for entry in adapter.validate_python(yamlfile.safe_load(path.read_text(encoding="utf-8")) or []):
            if not (SQL_DIR / f"{entry.model}.sql").exists():
                raise ValueError(
                    f"{path}: KPI {entry.code} names model {entry.model!r}; sql/{entry.model}.sql is missing"
                )
            entries.append(entry)
    codes = [e.code for e in entries]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"{directory}: KPI codes listed twice: {duplicates}")
    return tuple(entries)


def registry_models() -> list[str]:
    return sorted({e.model for e in load_registry()})
