"""A suite as Dagster checks: a failing ERROR check blocks what is downstream in the run, a failing WARN check is
recorded and blocks nothing, every evaluation lands in meta.check_results, and a relationship to a table built
from the checked one runs in a second, non-blocking step (a blocking one would be a cycle)."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from checks.asset_checks import downstream_of, suite_asset_checks
from checks.spec import WARN, RelationshipSpec, Suite, in_set_check, not_null_check, relationship_check

T = dg.AssetKey(["core", "t"])
NEXT = dg.AssetKey(["marts", "next"])


def _assets(rows_sql: str):
    @dg.asset(key=T)
    def t(duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as con:
            con.execute("create schema if not exists core")
            con.execute(f"create or replace table core.t as select * from (values {rows_sql}) v(id, code)")

    @dg.asset(key=NEXT, deps=[T])
    def next_table(duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as con:
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.next as select id from core.t")

    return [t, next_table]


def _run(tmp_path, rows_sql: str, suite: Suite):
    graph = {T: frozenset(), NEXT: frozenset({T})}
    database = str(tmp_path / "warehouse.duckdb")
    result = dg.materialize(
        [*_assets(rows_sql), *suite_asset_checks(suite, graph)],
        resources={"duckdb": DuckDBResource(database=database)},
        raise_on_error=False,
    )
    with duckdb.connect(database, read_only=True) as con:
        recorded = con.execute(
            "select check_name, severity, is_blocking, passed, run_id from meta.check_results order by 1"
        ).fetchall()
    return result, recorded


def _materialized(result) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


SUITE = Suite(
    "core.t",
    (not_null_check("core.t", "code"), in_set_check("core.t", "code", ("x",), WARN)),
    key_columns=("id",),
)


def test_clean_rows_pass_and_everything_downstream_runs(tmp_path):
    result, recorded = _run(tmp_path, "('A', 'x'), ('B', 'x')", SUITE)
    assert result.success and _materialized(result) == {T, NEXT}
    assert [(n, s, b, p) for n, s, b, p, _ in recorded] == [
        ("completeness_code", "ERROR", True, True),
        ("validity_code", "WARN", False, True),
    ]
    assert {r[4] for r in recorded} == {result.run_id}


def test_a_warn_failure_is_recorded_and_blocks_nothing(tmp_path):
    result, recorded = _run(tmp_path, "('A', 'x'), ('B', 'y')", SUITE)  # planted: y is not allowed (WARN)
    assert result.success and _materialized(result) == {T, NEXT}
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["validity_code"].passed
    assert evaluations["validity_code"].severity == dg.AssetCheckSeverity.WARN
    assert evaluations["validity_code"].metadata["failing_key_sample"].value == ["id=B"]
    assert ("validity_code", "WARN", False, False) in [r[:4] for r in recorded]


def test_an_error_failure_blocks_what_is_downstream(tmp_path):
    result, recorded = _run(tmp_path, "('A', 'x'), ('B', null)", SUITE)  # planted: B has no code (ERROR)
    assert not result.success
    assert _materialized(result) == {T}  # marts.next did not run
    assert ("completeness_code", "ERROR", True, False) in [r[:4] for r in recorded]


def test_a_relationship_to_a_downstream_table_runs_late_and_never_blocks(tmp_path):
    check = relationship_check("core.t", "id", RelationshipSpec(to="marts.next.id"))
    suite = Suite("core.t", (not_null_check("core.t", "code"), check), key_columns=("id",))
    graph = {T: frozenset(), NEXT: frozenset({T})}
    assert downstream_of(T, graph) == {NEXT}
    steps = suite_asset_checks(suite, graph)
    assert [s.node_def.name for s in steps] == ["quality_core__t", "quality_core__t__late"]
    late_spec = next(iter(steps[1].check_specs))
    assert not late_spec.blocking and late_spec.additional_deps[0].asset_key == NEXT
    result, recorded = _run(tmp_path, "('A', 'x')", suite)
    assert result.success
    assert ("integrity_id", "ERROR", False, True) in [r[:4] for r in recorded]
