"""Running a Great Expectations 1.x suite on a table pulled from DuckDB, as a Dagster check result.

GX's SQL data source returns empty metrics over duckdb-engine (GX issues 10738 and 11579), so the table is
read into a DataFrame and validated with GX's pandas data source, which runs every expectation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import dagster as dg
import duckdb

# GX phones home for analytics unless told not to; this machine has no internet and the data is personal.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

SAMPLE_SIZE = 10


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    expectations: Sequence[gx.expectations.Expectation],
    key_columns: Sequence[str],
    suite_name: str,
) -> dg.AssetCheckResult:
    """Validate ``table`` and report each expectation's outcome with a capped sample of failing keys."""
    frame = con.execute(f"select * from {table}").df()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch, suite=suite)
    )
    outcome = validation.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(key_columns)},
    )
    failures = {}
    details = []
    for result in outcome.results:
        config = result.expectation_config
        label = f"{config.type}({', '.join(f'{k}={v}' for k, v in config.kwargs.items() if k != 'batch_id')})"
        unexpected = result.result.get("unexpected_count", 0) or 0
        details.append(f"{'PASS' if result.success else 'FAIL'} {label}: {unexpected} unexpected")
        if not result.success:
            keys = result.result.get("unexpected_index_list") or []
            failures[label] = [str({k: row.get(k) for k in key_columns}) for row in keys[:SAMPLE_SIZE]]
    n_failed = len(failures)
    return dg.AssetCheckResult(
        passed=n_failed == 0,
        description=(
            f"{n_failed} of {len(outcome.results)} expectations failed on {table}; the failing keys are in "
            "the metadata: fix the source rows or the contract."
            if n_failed
            else f"All {len(outcome.results)} expectations hold on {len(frame)} rows of {table}."
        ),
        metadata={
            "rows_validated": len(frame),
            "expectations": len(outcome.results),
            "expectations_failed": n_failed,
            "results": dg.MetadataValue.md("\n".join(f"- {d}" for d in details)),
            "failing_key_sample": failures,
        },
    )
