"""Running a table's quality checks with Great Expectations 1.x on a DataFrame pulled from DuckDB.

GX's SQL data source returns empty metrics over duckdb-engine (GX issues 10738 and 11579), so the rows are read
into a DataFrame and validated with GX's pandas data source, which runs every expectation. One ephemeral context
for the process and one validation per table; each expectation carries its check's name in ``meta`` to map
results back.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

# GX phones home for analytics unless told not to; this machine has no internet and the data is personal.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from checks.spec import SQL_ONLY_KINDS, QualityCheck, Suite  # noqa: E402

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
            column_A=later,
            column_B=earlier,
            or_equal=not check.strict,
            ignore_row_if="either_value_is_missing",
            meta=meta,
            **mostly,
        )
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


@functools.cache
def _whole_frame():
    """The batch definition every validation of the process uses: one ephemeral context with a pandas data
    source whose one asset takes the DataFrame at run time. Made once: adding a data source, an asset or a suite
    to a context rewrites its configuration, a third of what a small table's validation cost when each table
    had its own context."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("rows")
    return asset.add_batch_definition_whole_dataframe("all")


def run_gx(
    frame: pd.DataFrame,
    checks: Sequence[QualityCheck],
    key_columns: Sequence[str],
    suite_name: str = "suite",
) -> dict[str, RawResult]:
    """Validate ``frame`` against every check in one GX validation; results by check name. The suite is built
    whole and validated on the batch without being stored in the context (nothing reads it there)."""
    suite = gx.ExpectationSuite(name=suite_name, expectations=[expectation(check) for check in checks])
    keys = [k for k in key_columns if k in frame.columns]
    # GX returns the positions of the first failing rows; their keys are read here. Asked for the key columns
    # instead (unexpected_index_column_names), GX reads them for every failing row, one at a time in Python,
    # before it keeps the first few: 1.7 s for a check that 40,000 rows fail, minutes for millions.
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    batch = _whole_frame().get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(suite, result_format=result_format)
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
        positions = (detail.get("partial_unexpected_index_list") or [])[:SAMPLE_SIZE]
        sample = tuple(key_text({k: frame.at[p, k] for k in keys} if keys else p, keys) for p in positions)
        results[check.name] = RawResult(
            success=bool(item.success),
            rows_considered=considered,
            unexpected_count=unexpected,
            observed=_observed(check, detail),
            sample=sample,
        )
    return results


# -- the suites as Great Expectations suites (data docs, export) -------------------------------------------------
GX_SEVERITY = {"ERROR": "critical", "WARN": "warning"}


def has_expectation(check: QualityCheck) -> bool:
    """Whether GX can express the check (constant columns and query rules are checked in SQL only, see
    checks/runner.py)."""
    return check.kind not in SQL_ONLY_KINDS


def documented_expectation(check: QualityCheck):
    """The check's GX expectation with what it means for people: its sentence as notes, its severity, and in meta
    its name, dimension and, for a rule or a relationship, the SQL that computes the column it reads (the rows
    are pulled with that column added, see checks/sql_suite.py)."""
    from checks.sql_suite import reference_flag  # it imports this module

    exp = expectation(check)
    meta: dict = {"check": check.name, "dimension": check.dimension, "severity": check.severity}
    if check.kind == "rule":
        meta["derived_column"] = {"name": check.rule_column, "sql": f"({check.sql})"}
    if check.kind == "relationship":
        meta["derived_column"] = {"name": check.reference_column, "sql": reference_flag(check)}
    if "derived_column" in meta:  # "values must belong to the set True" says nothing: say what the check means
        exp.description = check.description
    exp.meta = meta
    exp.notes = check.description
    exp.severity = GX_SEVERITY.get(check.severity, "critical")
    return exp


def expectation_suite(suite: Suite, sources: Sequence[str] | None = None):
    """A Kinerja suite as a GX ExpectationSuite named after its table (``staging.stg_hris__employees``), one
    expectation per check GX can express; the others are named in ``meta.kinerja.checks_outside_gx``."""
    outside = [
        {"check": c.name, "dimension": c.dimension, "severity": c.severity, "description": c.description}
        for c in suite.checks
        if not has_expectation(c)
    ]
    meta = {
        "kinerja": {
            "table": suite.table,
            "key_columns": list(suite.key_columns),
            "scope": suite.scope,
            "engine": suite.engine,
            "sources": list(suite.sources if sources is None else sources),
            "checks_outside_gx": outside,
        }
    }
    expectations = [documented_expectation(c) for c in suite.checks if has_expectation(c)]
    return gx.ExpectationSuite(name=suite.table, expectations=expectations, meta=meta)


class ExpectKinerjaCheckToPass(gx.expectations.expectation.BatchExpectation):
    """The outcome of a check Kinerja runs outside Great Expectations (source freshness and drift, row accounting
    per file, journal balance, constant columns, query rules), as ``meta.check_results`` recorded it: shown among
    the table's expectations in the data docs (checks/data_docs.py), and replayed if GX runs it. Registered with GX
    by its name, ``expect_kinerja_check_to_pass``."""

    check: str
    passed: bool
    observed_value: str | None = None
    metric_dependencies: ClassVar[tuple[str, ...]] = ()
    success_keys: ClassVar[tuple[str, ...]] = ("check", "passed")

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        return {"success": self.passed, "result": {"observed_value": self.observed_value}}
