"""Check outcomes: worded for people, recorded in ``meta.check_results`` (the history the quality marts read) and
turned into Dagster check results.

Every check of this package writes one row per evaluation; a check written elsewhere can do the same with
``record_outcomes(con, run_id, [CheckOutcome(...)])``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import dagster as dg
import duckdb

from assets.quality.history import ensure_check_results
from checks.spec import ERROR
from pipelines.db import insert_rows


@dataclass(frozen=True)
class CheckOutcome:
    """One evaluation of one check, as recorded and as shown in Dagster."""

    table: str
    name: str
    dimension: str
    severity: str
    passed: bool
    description: str
    engine: str
    scope: str = "all rows"
    rows_checked: int | None = None
    unexpected_count: int | None = None
    unexpected_pct: float | None = None
    observed_value: str | None = None
    threshold: str | None = None
    sample_keys: tuple[str, ...] = ()
    duration_ms: int | None = None
    metadata: dict = field(default_factory=dict)  # extra Dagster metadata (not recorded)
    is_blocking: bool | None = None  # None: ERROR checks block, WARN checks do not

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR if self.is_blocking is None else self.is_blocking


def masked(outcome: CheckOutcome) -> CheckOutcome:
    """The outcome as it may leave the warehouse's data tables (meta.check_results, which the quality page reads,
    and Dagster): a check on a personal column (assets/metadata.py) shows its failing values and keys as
    masked; every other check's texts have their long digit runs and e-mail addresses masked."""
    from assets.metadata import MASK, mask_text, personal_columns

    name = f"_{outcome.name}_"
    if any(f"_{column}_" in name for column in personal_columns()):
        keys = tuple(MASK for _ in outcome.sample_keys)
        observed = MASK if outcome.observed_value is not None else None
    else:
        keys = tuple(mask_text(str(k)) for k in outcome.sample_keys)
        observed = mask_text(outcome.observed_value) if outcome.observed_value is not None else None
    return replace(outcome, sample_keys=keys, observed_value=observed, description=mask_text(outcome.description))


def record_outcomes(
    con: duckdb.DuckDBPyConnection, run_id: str | None, outcomes: Sequence[CheckOutcome], at: dt.datetime | None = None
) -> None:
    """Append the outcomes to meta.check_results (history: nothing is ever updated)."""
    ensure_check_results(con)
    at = at or dt.datetime.now().replace(microsecond=0)
    outcomes = [masked(o) for o in outcomes]
    insert_rows(
        con,
        "insert into meta.check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                run_id,
                at,
                o.table,
                o.name,
                o.dimension,
                o.severity,
                o.blocking,
                o.passed,
                o.engine,
                o.scope,
                o.rows_checked,
                o.unexpected_count,
                o.unexpected_pct,
                o.observed_value,
                o.threshold,
                json.dumps(list(o.sample_keys), ensure_ascii=False),
                o.description,
                o.duration_ms,
            ]
            for o in outcomes
        ],
    )


def to_check_result(outcome: CheckOutcome, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    outcome = masked(outcome)
    metadata: dict = {
        "severity": outcome.severity,
        "engine": outcome.engine,
        "scope": outcome.scope,
        **{
            k: v
            for k, v in {
                "rows_checked": outcome.rows_checked,
                "unexpected_count": outcome.unexpected_count,
                "unexpected_pct": round(outcome.unexpected_pct, 4) if outcome.unexpected_pct is not None else None,
                "observed_value": outcome.observed_value,
                "threshold": outcome.threshold,
                "duration_ms": outcome.duration_ms,
            }.items()
            if v is not None
        },
        "failing_key_sample": list(outcome.sample_keys),
        **outcome.metadata,
    }
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if outcome.severity == ERROR else dg.AssetCheckSeverity.WARN,
        description=outcome.description,
        metadata=metadata,
    )
