"""A table's quality suite as one Dagster multi-asset check: one check per expectation, named by quality dimension
and subject, ERROR checks blocking and WARN checks recorded, every outcome written to ``meta.check_results``.

One step per table: the rows are pulled (or queried) once for all of the table's checks.
"""

from dataclasses import replace
from functools import cache

import dagster as dg
from dagster_duckdb import DuckDBResource

from checks.results import record_outcomes, to_check_result
from checks.runner import run_suite
from checks.spec import QualityCheck, Suite
from pipelines.discovery import asset_graph


def table_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


@cache
def defined_assets() -> dict[dg.AssetKey, frozenset[dg.AssetKey]]:
    """Every asset the ``assets`` package defines, with the assets it reads."""
    return asset_graph()


def defined_asset_keys() -> frozenset[dg.AssetKey]:
    return frozenset(defined_assets())


def downstream_of(key: dg.AssetKey, graph: dict[dg.AssetKey, frozenset[dg.AssetKey]]) -> set[dg.AssetKey]:
    readers: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for child, parents in graph.items():
        for parent in parents:
            readers.setdefault(parent, set()).add(child)
    found, todo = set(), [key]
    while todo:
        for child in readers.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def suite_asset_checks(
    suite: Suite, graph: dict[dg.AssetKey, frozenset[dg.AssetKey]] | None = None
) -> list[dg.AssetChecksDefinition]:
    """The Dagster checks of ``suite``: one step for the table, and a second, non-blocking step for relationship
    checks whose parent is built from this table (waiting for it in a blocking step would be a cycle)."""
    graph = defined_assets() if graph is None else graph
    key = table_key(suite.table)
    downstream = downstream_of(key, graph)
    main, late = [], []
    for check in suite.checks:
        parent = table_key(check.parent_table) if check.parent_table else None
        (late if parent in downstream else main).append(check)
    steps = [_step(suite, main, graph, f"quality_{suite.schema}__{suite.name}", blocking=True)]
    if late:
        steps.append(_step(suite, late, graph, f"quality_{suite.schema}__{suite.name}__late", blocking=False))
    return steps


def _step(suite: Suite, checks: list[QualityCheck], graph, name: str, blocking: bool) -> dg.AssetChecksDefinition:
    key = table_key(suite.table)
    part = replace(suite, checks=tuple(checks))
    specs = []
    for check in checks:
        parent = table_key(check.parent_table) if check.parent_table else None
        deps = [parent] if parent is not None and parent != key and parent in graph else []
        specs.append(
            dg.AssetCheckSpec(
                check.name,
                asset=key,
                description=check.description,
                blocking=blocking and check.blocking,
                additional_deps=deps,
                metadata={"severity": check.severity, "dimension": check.dimension},
            )
        )

    @dg.multi_asset_check(
        specs=specs,
        name=name,
        description=f"Quality suite of {suite.table} ({len(specs)} checks) from {', '.join(suite.sources)}."
        + ("" if blocking else " Runs after the parent tables built from this table, so it never blocks."),
    )
    def _suite(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as con:
            run = run_suite(con, part)
            outcomes = [o if blocking else replace(o, is_blocking=False) for o in run.outcomes]
            record_outcomes(con, context.run.run_id, outcomes)
        context.log.info(
            f"{suite.table}: {len(outcomes)} checks by {run.engine} on {run.rows} rows "
            f"({run.scope}) in {run.seconds:.2f} s"
        )
        for outcome in outcomes:
            yield to_check_result(outcome, key)

    return _suite
