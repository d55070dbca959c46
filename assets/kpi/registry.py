"""The KPI registry (``registry/<domain>.yaml``): what each KPI means, how it is computed, which SQL model makes it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

REGISTRY_DIR = Path(__file__).parent / "registry"
SQL_DIR = Path(__file__).parent / "sql"


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


@lru_cache(maxsize=1)
def load_registry(directory: Path = REGISTRY_DIR) -> tuple[KpiDefinition, ...]:
    """Every KPI of every domain file, validated: unique codes, and each names an existing SQL model."""
    adapter = TypeAdapter(list[KpiDefinition])
    entries: list[KpiDefinition] = []
    for path in sorted(directory.glob("*.yaml")):
        for entry in adapter.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
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
