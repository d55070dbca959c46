"""Monthly partitions for the large facts: rebuild only the months whose inputs changed.

A SQL model becomes partitioned when a companion file ``<name>.partitions.sql`` sits beside it. That query
returns one row per month, ``(period date, fingerprint varchar)``, where the fingerprint summarises every input
row that can reach that month of the model (file version and line of the staged rows, the calendar days, the
employee versions clipped to the month, ...). ``meta.partition_state`` keeps the fingerprints of the last build.

On each run:
- no table yet, or the model or fingerprint SQL changed: the whole table is built, every month recorded;
- otherwise the months whose fingerprint changed or is new are deleted and inserted again from the model's own
  query filtered to those months, and months that disappeared are deleted, in one transaction. A month is
  replaced, never appended twice; nothing changed means nothing is written.

The model's query must have a ``period`` column (the month start) that the fingerprint speaks of.

A model built from partitioned tables can stand on their months: its fingerprint may read their rows of
``meta.partition_state`` (code version and fingerprint of each month), which say exactly what each month of them
was built from. The state table is this mechanism's own, not an input; the tables the fingerprint names there
(``table_name = 'core.fct_attendance_daily'``) are, so they are built before the model (``tables_built_on``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.db import keyed, table_exists, transaction

STATE_DDL = """
create table if not exists meta.partition_state (
    table_name varchar not null,
    code_sha256 varchar not null,      -- model SQL + fingerprint SQL + macros the months were built with
    period date not null,
    fingerprint varchar not null,
    built_at timestamp not null,
    primary key (table_name, period)
)
"""
SUFFIX = ".partitions.sql"
STATE_TABLE = ("meta", "partition_state")


@dataclass(frozen=True)
class PartitionBuild:
    mode: str  # full | incremental
    periods_rebuilt: list[dt.date]
    periods_removed: list[dt.date]

    def metadata(self) -> dict:
        return {
            "partition_mode": self.mode,
            "periods_rebuilt": len(self.periods_rebuilt),
            "periods_removed": len(self.periods_removed),
            "periods_rebuilt_sample": [p.isoformat()[:7] for p in self.periods_rebuilt[:12]],
        }


_NAMED_TABLE = re.compile(r"'(staging|canonical|core|marts)\.([a-z_][a-z0-9_]*)'")


def tables_built_on(fingerprint_sql: str) -> set[tuple[str, str]]:
    """The tables whose recorded months a fingerprint reads (named as strings: ``table_name in ('core.x')``)."""
    return set(_NAMED_TABLE.findall(fingerprint_sql))


def fingerprint_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + SUFFIX)


def is_fingerprint_file(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


def _dates(periods: list[dt.date]) -> str:
    return ", ".join(f"date '{p.isoformat()}'" for p in periods)


def run_partitioned(
    con: duckdb.DuckDBPyConnection, table: str, model_sql: str, fingerprint_sql: str, macros_sql: str = ""
) -> PartitionBuild:
    """Bring ``table`` up to date month by month (variables and ``macros_sql``, the macros the two queries may
    call, must already be set on ``con``). The months were built by the code of both queries and the macros: a
    change to any of them rebuilds the table whole."""
    code_text = model_sql + "\n-- fingerprint --\n" + fingerprint_sql + "\n-- macros --\n" + macros_sql
    code = hashlib.sha256(code_text.encode()).hexdigest()
    con.execute("create schema if not exists meta")
    con.execute(keyed(con, STATE_DDL))
    con.execute(f"create or replace temp table _fingerprints as select period, fingerprint from ({fingerprint_sql})")
    previous = dict(
        con.execute(
            "select period, fingerprint from meta.partition_state where table_name = ? and code_sha256 = ?",
            [table, code],
        ).fetchall()
    )
    current = dict(con.execute("select period, fingerprint from _fingerprints").fetchall())
    full = not previous or not table_exists(con, table)
    changed = sorted(current) if full else sorted(p for p, f in current.items() if previous.get(p) != f)
    removed = [] if full else sorted(set(previous) - set(current))
    try:
        with transaction(con):
            if full:
                con.execute(f"create or replace table {table} as\n{model_sql}")
                con.execute("delete from meta.partition_state where table_name = ?", [table])
            elif changed or removed:
                months = _dates(changed + removed)
                con.execute(f"delete from {table} where period in ({months})")
                if changed:  # constants, so DuckDB pushes the filter down to the scans of the inputs
                    con.execute(
                        f"insert into {table} select * from (\n{model_sql}\n) m where m.period in ({_dates(changed)})"
                    )
                con.execute(f"delete from meta.partition_state where table_name = ? and period in ({months})", [table])
            # months not rebuilt keep their built_at, so the checks of the table can validate just the new ones
            if changed:
                con.execute(
                    "insert into meta.partition_state select ?, ?, period, fingerprint, ?::timestamp "
                    f"from _fingerprints where period in ({_dates(changed)})",
                    [table, code, dt.datetime.now()],
                )
    finally:
        con.execute("drop table if exists _fingerprints")
    return PartitionBuild("full" if full else "incremental", changed, removed)
