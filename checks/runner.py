"""Running a suite: choose the rows (scope), the engine, run the checks and word each outcome.

Scope: a staging table fed by periodic files (a contract with ``expected_cadence_days``: attendance, payslip
lines, ledger and bank lines, one file a month) is checked on the rows of its newest load only - the file
versions loaded last - so each month is validated once when it lands instead of every night for five years.
Keys stay unique across files because staging checks every new file's keys against what is staged.

Engine: Great Expectations validates a DataFrame of the scoped rows, pulling only the columns the checks read;
DuckDB SQL runs the same checks as one query over the table, which streams. Both engines count the same rows and
name the same failing keys (tests/unit/test_checks_engines.py), and the outcome records which engine ran.
``engine: auto`` (the default) gives Great Expectations the data as it was delivered: a staging table's load of
at most ``GX_MAX_ROWS`` rows. The tables the warehouse's own SQL builds (core, marts, rebuilt every night) and
larger loads run in SQL. GX spends about 14 ms per expectation building its metric graph, whatever the rows:
on a small company (400 x 36) the core suites took 6 s in GX against 0.8 s in SQL, most of the night's checks;
from 100,000 rows up validating a DataFrame costs GX 5 to 10 times the SQL (3 s against 0.35 s for 800,000
incidents), and pandas would need gigabytes for 26 million attendance rows. A suite says ``engine: gx`` to be
validated by GX whatever its table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import duckdb

from checks.gx_suite import RawResult, run_gx
from checks.results import CheckOutcome
from checks.spec import NEWEST_LOAD, REBUILT_PERIODS, TABLE_KINDS, WARN, QualityCheck, Suite
from checks.sql_suite import constant_check, lit, q, query_check, reference_flag, run_sql, source_select
from pipelines.db import scalar

GX_MAX_ROWS = 100_000
GX_SCHEMA = "staging"  # the data as delivered; the warehouse's own tables run in SQL


@dataclass(frozen=True)
class SuiteRun:
    suite: Suite
    engine: str
    scope: str
    rows: int
    seconds: float
    outcomes: tuple[CheckOutcome, ...]


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """The columns of ``schema.name`` in order, None when there is no such table or view. Asked of the table itself
    (half a millisecond; a night asks about 170 times) before the catalog's list of every column (3 ms), which
    still answers for a view whose own table is gone."""
    try:
        rows = con.execute("select name from pragma_table_info(?) order by cid", [table]).fetchall()
        return [r[0] for r in rows] or None
    except duckdb.CatalogException:
        pass
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows] or None


def _rebuilt_periods_filter(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, str]:
    """The months the table's last partitioned build rewrote (all rows when it has no partition state)."""
    built = (
        con.execute(
            "select count(*), min(period), max(period) from meta.partition_state "
            "where table_name = ? and built_at = (select max(built_at) from meta.partition_state where table_name = ?)",
            [table, table],
        ).fetchall()[0]
        if table_columns(con, "meta.partition_state")
        else (0, None, None)
    )
    if not built[0]:
        return "true", "all rows"
    condition = f"""period in (
        select period from meta.partition_state where table_name = {lit(table)}
          and built_at = (select max(built_at) from meta.partition_state where table_name = {lit(table)}))"""
    return condition, f"rebuilt months: {built[0]} ({built[1]:%Y-%m} .. {built[2]:%Y-%m})"


def scope_filter(con: duckdb.DuckDBPyConnection, suite: Suite) -> tuple[str, str]:
    """(SQL condition on the table's rows, the scope in words)."""
    if suite.scope == REBUILT_PERIODS:
        return _rebuilt_periods_filter(con, suite.table)
    if suite.scope != NEWEST_LOAD:
        return "true", "all rows"
    newest = con.execute(
        """
        select count(*), max(loaded_at) from meta.load_manifest
        where contract = ? and status = 'loaded'
          and loaded_at = (select max(loaded_at) from meta.load_manifest where contract = ? and status = 'loaded')
        """,
        [suite.contract, suite.contract],
    ).fetchall()[0]
    condition = f"""_file_sha256 in (
        select file_sha256 from meta.load_manifest where contract = {lit(suite.contract)} and status = 'loaded'
          and loaded_at = (select max(loaded_at) from meta.load_manifest
                           where contract = {lit(suite.contract)} and status = 'loaded'))"""
    return condition, f"newest load: {newest[0]} file(s) loaded at {newest[1]}"


def _broken_derived(con, table: str, checks: list[QualityCheck]) -> dict[str, str]:
    """Rules and relationship lookups whose SQL does not run on ``table`` (each with the reason)."""
    broken = {}
    for check in checks:
        expression = f"({check.sql})" if check.kind == "rule" else reference_flag(check)
        try:
            con.execute(f"select {expression} from {table} limit 0").fetchall()
        except duckdb.Error as exc:
            broken[check.name] = str(exc).splitlines()[0][:300]
    return broken


def _unfilled_columns(con, suite: Suite, columns: list[str], condition: str) -> set[str]:
    """Columns of a core or mart table that no row fills: no loaded source provides what they are built from
    (a company without that export), which is 'not computable', not a broken row. Staging tables are the
    sources themselves and are always checked as declared."""
    if suite.contract is not None:
        return set()
    used = [c for c in suite.columns_used() if c in columns]
    if not used:
        return set()
    counts = con.execute(
        f"select count(*), {', '.join(f'count({q(c)})' for c in used)} from {suite.table} where {condition}"
    ).fetchone()
    if not counts[0]:
        return set()
    return {c for c, n in zip(used, counts[1:], strict=True) if n == 0}


def auto_engine(suite: Suite, rows: int) -> str:
    """GX for a staging load of at most GX_MAX_ROWS rows, SQL for the rest (see the module's docstring)."""
    return "gx" if suite.table.startswith(f"{GX_SCHEMA}.") and rows <= GX_MAX_ROWS else "sql"


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, engine: str | None = None) -> SuiteRun:
    """Run every check of ``suite``; ``engine`` overrides the suite's (auto, gx or sql)."""
    started = time.perf_counter()
    columns = table_columns(con, suite.table)
    if columns is None:
        raws = {c.name: RawResult(False, error=f"{suite.table} does not exist") for c in suite.checks}
        return _finish(suite, raws, "none", "no rows", 0, started)
    condition, scope = scope_filter(con, suite)
    rows = int(scalar(con, f"select count(*) from {suite.table} where {condition}"))
    chosen = engine or suite.engine
    if chosen == "auto":
        chosen = auto_engine(suite, rows)

    raws: dict[str, RawResult] = {}
    runnable: list[QualityCheck] = []
    for check in suite.checks:
        missing = [c for c in check.columns if c not in columns]
        parent_missing = check.parent_table and table_columns(con, check.parent_table) is None
        if missing:
            raws[check.name] = RawResult(False, error=f"column {', '.join(missing)} is not in {suite.table}")
        elif parent_missing:
            raws[check.name] = RawResult(False, error=f"the parent table {check.parent_table} does not exist")
        else:
            runnable.append(check)
    broken = _broken_derived(con, suite.table, [c for c in runnable if c.kind in ("rule", "relationship")])
    raws.update({name: RawResult(False, error=f"its SQL does not run: {e}") for name, e in broken.items()})
    runnable = [c for c in runnable if c.name not in broken]
    # constant columns: over every row of the table, whatever the scope, in SQL (min = max, one pass)
    for check in [c for c in runnable if c.kind == "constant"]:
        try:
            raws[check.name] = constant_check(con, f"select * from {suite.table}", check)
        except duckdb.Error as exc:
            raws[check.name] = RawResult(False, error=str(exc).splitlines()[0][:300])
    runnable = [c for c in runnable if c.kind != "constant"]
    # query rules: their own SELECT over the warehouse, in SQL whatever the engine (GX cannot run a query)
    for check in [c for c in runnable if c.kind == "query"]:
        try:
            raws[check.name] = query_check(con, check)
        except duckdb.Error as exc:
            raws[check.name] = RawResult(False, error=f"its query does not run: {str(exc).splitlines()[0][:300]}")
    runnable = [c for c in runnable if c.kind != "query"]
    # a column-set check needs every column; the others only what they read
    needs_all = any(c.kind == "columns" for c in runnable)
    source = source_select(
        suite.table, condition, columns if needs_all else [c for c in suite.columns_used() if c in columns], runnable
    )
    # what the pull adds is not part of the table: a column-set check expects it too
    added = tuple(c.rule_column for c in runnable if c.kind == "rule")
    added += tuple(c.reference_column for c in runnable if c.kind == "relationship")
    runnable = [replace(c, values=c.values + added) if c.kind == "columns" else c for c in runnable]
    keys = [k for k in suite.key_columns if k in columns]
    try:
        if chosen == "gx":
            raws.update(run_gx(con.execute(source).df(), runnable, keys, suite_name=suite.table))
        else:
            raws.update(run_sql(con, source, runnable, keys))
    except duckdb.Error as exc:  # the rows could not be read at all: every check says why
        raws.update({c.name: RawResult(False, error=str(exc).splitlines()[0][:300]) for c in runnable})
    suite, raws = _not_computable(con, suite, raws, columns, condition)
    return _finish(suite, raws, chosen, scope, rows, started)


def _not_computable(con, suite: Suite, raws: dict[str, RawResult], columns: list[str], condition: str):
    """A failed check on a column that no row fills is 'not computable' (no loaded source provides the column),
    not a broken row: its outcome is kept as a WARN, which never blocks what is downstream."""
    failed = [c for c in suite.checks if not raws[c.name].success and c.kind not in TABLE_KINDS]
    if not failed:
        return suite, raws
    unfilled = _unfilled_columns(con, suite, columns, condition)
    downgraded = {c.name for c in failed if set(c.columns) & unfilled}
    if not downgraded:
        return suite, raws
    checks = tuple(replace(c, severity=WARN) if c.name in downgraded else c for c in suite.checks)
    return replace(suite, checks=checks), raws


def _finish(suite: Suite, raws: dict[str, RawResult], engine: str, scope: str, rows: int, started) -> SuiteRun:
    seconds = time.perf_counter() - started
    share = int(1000 * seconds / max(1, len(suite.checks)))
    outcomes = tuple(outcome(suite, c, raws[c.name], engine, scope, share) for c in suite.checks)
    return SuiteRun(suite, engine, scope, rows, seconds, outcomes)


def describe(suite: Suite, check: QualityCheck, raw: RawResult, scope: str) -> str:
    """What happened, in a sentence, followed by what to do (the check's description)."""
    where = f"{suite.table} ({'all rows' if check.kind in ('constant', 'query') else scope})"
    if raw.error:
        return f"{check.name} could not run on {where}: {raw.error}. Fix the suite or the table, then rerun."
    if check.kind in TABLE_KINDS:
        verdict = "as expected" if raw.success else "not as expected"
        return f"{check.name} on {where}: observed {raw.observed}, {verdict}." + (
            "" if raw.success else f" {check.description}"
        )
    n, bad = raw.rows_considered or 0, raw.unexpected_count or 0
    if bad == 0:
        return f"{check.name} holds on all {n:,} rows checked of {where}."
    pct = 100.0 * bad / n if n else 0.0
    if raw.success:
        return (
            f"{bad:,} of {n:,} rows of {where} ({pct:.2f}%) fail {check.name}, within the tolerance "
            f"({check.threshold} must pass); review the rows listed: {check.description}"
        )
    return f"{bad:,} of {n:,} rows of {where} ({pct:.2f}%) fail {check.name}: {check.description}"


def outcome(suite: Suite, check: QualityCheck, raw: RawResult, engine: str, scope: str, ms: int) -> CheckOutcome:
    return CheckOutcome(
        table=suite.table,
        name=check.name,
        dimension=check.dimension,
        severity=check.severity,
        passed=raw.success and not raw.error,
        description=describe(suite, check, raw, scope),
        engine=engine,
        scope=scope,
        rows_checked=raw.rows_considered,
        unexpected_count=raw.unexpected_count,
        unexpected_pct=raw.unexpected_pct,
        observed_value=raw.observed or (None if raw.unexpected_count is None else f"{raw.unexpected_count} unexpected"),
        threshold=check.threshold,
        sample_keys=raw.sample,
        duration_ms=ms,
    )
