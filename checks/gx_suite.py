"""Running a table's quality checks with Great Expectations 1.x on a DataFrame pulled from DuckDB.

GX's SQL data source returns empty metrics over duckdb-engine (GX issues 10738 and 11579), so the rows are read
into a DataFrame and validated with GX's pandas data source, which runs every expectation. One ephemeral context
and one validation per table; each expectation carries its check's name in ``meta`` to map results back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

# GX phones home for analytics unless told not to; this machine has no internet and the data is personal.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from checks.spec import QualityCheck  # noqa: E402

SAMPLE_SIZE = 10  # failing keys kept per check (GX's SUMMARY format returns at most 20)


@dataclass(frozen=True)
class RawResult:
    """What an engine measured for one check, before it is worded for people."""

    success: bool
    rows_considered: int | None = None  # rows the check applies to (non-missing values; all rows for not_null)
    unexpected_count: int | None = None
    observed: str | None = None  # table-level checks: the row count or the column difference
    sample: tuple[str, ...] = ()
    error: str | None = None

    @property
    def unexpected_pct(self) -> float | None:
        if self.unexpected_count is None or not self.rows_considered:
            return None
        return 100.0 * self.unexpected_count / self.rows_considered


def key_text(keys: Mapping | object, key_columns: Sequence[str]) -> str:
    """A failing row as `col=value, ...` (a row position when the table has no key)."""
    if not isinstance(keys, Mapping):
        return f"row {keys}"

    def shown(value: object) -> str:
        if isinstance(value, pd.Timestamp) and value == value.normalize():
            return value.date().isoformat()
        return "" if value is None or value is pd.NaT else str(value)

    return ", ".join(f"{c}={shown(keys.get(c))}" for c in key_columns)


def expectation(check: QualityCheck):
    """The GX expectation of a check."""
    e = gx.expectations
    meta = {"check": check.name}
    mostly = {"mostly": check.mostly} if check.mostly < 1 else {}
    column = check.columns[0] if check.columns else None
    if check.kind == "not_null":
        return e.ExpectColumnValuesToNotBeNull(column=column, meta=meta, **mostly)
    if check.kind == "unique" and len(check.columns) == 1:
        return e.ExpectColumnValuesToBeUnique(column=column, meta=meta, **mostly)
    if check.kind == "unique":
        return e.ExpectCompoundColumnsToBeUnique(column_list=list(check.columns), meta=meta, **mostly)
    if check.kind == "in_set":
        return e.ExpectColumnValuesToBeInSet(column=column, value_set=list(check.values), meta=meta, **mostly)
    if check.kind == "relationship":
        # GX has no cross-table expectation, and a value_set of every parent key is re-serialised by GX hundreds
        # of times per validation (seconds for 5,000 keys). The pull marks each row's key as found in the parent
        # or not (null when the row has no key, so GX leaves it out as it leaves out a missing value).
        return e.ExpectColumnValuesToBeInSet(column=check.reference_column, value_set=[True], meta=meta, **mostly)
    if check.kind == "between":
        return e.ExpectColumnValuesToBeBetween(
            column=column, min_value=check.min_value, max_value=check.max_value, meta=meta, **mostly
        )
    if check.kind == "pattern":  # the contract means a full match; GX searches, so anchor it
        return e.ExpectColumnValuesToMatchRegex(column=column, regex=f"^(?:{check.pattern})$", meta=meta, **mostly)
    if check.kind == "order":
        later, earlier = check.columns
        return e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=later, column_B=earlier, or_equal=not check.strict, ignore_row_if="either_value_is_missing",
            meta=meta, **mostly,
        )  # fmt: skip
    if check.kind == "rule":  # the condition is evaluated in SQL when the rows are pulled (checks/runner.py)
        return e.ExpectColumnValuesToBeInSet(column=check.rule_column, value_set=[True], meta=meta, **mostly)
    if check.kind == "row_count":
        return e.ExpectTableRowCountToBeBetween(min_value=check.min_value, max_value=check.max_value, meta=meta)
    if check.kind == "columns":
        return e.ExpectTableColumnsToMatchSet(column_set=list(check.values), exact_match=True, meta=meta)
    raise ValueError(f"unknown check kind {check.kind!r}")


def _observed(check: QualityCheck, result: dict) -> str | None:
    if check.kind == "row_count":
        return str(result.get("observed_value"))
    if check.kind == "columns":
        mismatch = (result.get("details") or {}).get("mismatched") or {}
        if not mismatch:
            return "as expected"
        return f"missing {sorted(mismatch.get('missing') or [])}, unexpected {sorted(mismatch.get('unexpected') or [])}"
    return None


def run_gx(
    frame: pd.DataFrame,
    checks: Sequence[QualityCheck],
    key_columns: Sequence[str],
    suite_name: str = "suite",
) -> dict[str, RawResult]:
    """Validate ``frame`` against every check in one GX validation; results by check name."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for check in checks:
        suite.add_expectation(expectation(check))
    validation = context.validation_definitions.add(gx.ValidationDefinition(name=suite_name, data=batch, suite=suite))
    keys = [k for k in key_columns if k in frame.columns]
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    if keys:
        result_format["unexpected_index_column_names"] = keys
    outcome = validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    by_name = {check.name: check for check in checks}
    results: dict[str, RawResult] = {}
    for item in outcome.results:
        check = by_name[item.expectation_config.meta["check"]]
        raised = (item.exception_info or {}).get("raised_exception")
        if raised:
            message = (item.exception_info or {}).get("exception_message") or "GX raised an exception"
            results[check.name] = RawResult(success=False, error=str(message).splitlines()[0][:300])
            continue
        detail = item.result or {}
        unexpected = detail.get("unexpected_count")
        considered = detail.get("element_count")
        if check.kind != "not_null" and considered is not None:
            considered -= detail.get("missing_count") or 0
        sample = tuple(key_text(k, keys) for k in (detail.get("partial_unexpected_index_list") or [])[:SAMPLE_SIZE])
        results[check.name] = RawResult(
            success=bool(item.success),
            rows_considered=considered,
            unexpected_count=unexpected,
            observed=_observed(check, detail),
            sample=sample,
        )
    return results
