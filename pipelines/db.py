"""The warehouse kernel's SQL helpers: transactions, existence and key tests, upserts, one-value queries and batches
of files. Every layer uses them; they use nothing of the project's above them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb

# A large table is built from its files in batches of about this many rows, in the order it keeps them: staging
# ranks the rows of each key and mapping writes them sorted, and over tens of millions of rows the window or the
# sort outgrows memory and spills (L benchmark: 25.5 million attendance rows staged in 125 s in one query, 73 s in
# batches of 3.4 million; 6.4 million at M take the same time either way).
BATCH_ROWS = 4_000_000

T = TypeVar("T")

SCHEMAS = ("raw", "meta", "reference", "staging", "quarantine", "canonical", "core", "marts")


def ensure_warehouse_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")


# connections (by id) that ``held_transaction`` keeps in one transaction
_HELD: set[int] = set()


@contextmanager
def held_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything done on ``con`` in the block in one transaction (``transaction`` blocks inside join it).
    For code that lets no database error pass silently: after an error DuckDB refuses the transaction's next
    statement."""
    con.execute("begin transaction")
    _HELD.add(id(con))
    try:
        yield con
    except BaseException:
        _HELD.discard(id(con))
        con.execute("rollback")
        raise
    _HELD.discard(id(con))
    con.execute("commit")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All the statements of the block, or none of them: commit at the end, roll back on any error. On a
    connection that ``held_transaction`` holds in one already, the block is part of that one."""
    if id(con) in _HELD:
        yield
        return
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def rebuild_name(table: str) -> str:
    """Where a rebuild of ``table`` (``schema.name``) grows until ``swap_in`` puts it in the table's place."""
    schema, _, name = table.rpartition(".")
    return f"{schema}._rebuild_{name}"


@contextmanager
def rebuilding(con: duckdb.DuckDBPyConnection, table: str, *temporary: str) -> Iterator[str]:
    """The name of an empty place (``rebuild_name``) to build ``table`` anew in batch by batch, each batch committed,
    before one transaction swaps it in (``swap_in``) with whatever else must change with it. At the end, swapped
    or not, that place and the temporary tables ``temporary`` are dropped; so is a place a killed run left.

    Why not append the batches inside the transaction: DuckDB reads and appends rows of an open transaction slower
    than committed ones (L benchmark: staging 25.5 million attendance rows 95 s in one transaction, 39 s with each
    batch committed; the key check of each batch against the rows before it grew from 3 s to 15 s)."""
    building = rebuild_name(table)
    con.execute(f"drop table if exists {building}")
    try:
        yield building
    finally:
        for name in temporary:
            con.execute(f"drop table if exists {name}")
        con.execute(f"drop table if exists {building}")


def add_rows(con: duckdb.DuckDBPyConnection, table: str, rows: str, first: bool) -> None:
    """The rows of the query ``rows`` into ``table``: the table made of them when ``first`` (a batch's), else added
    to it. A name without a schema is a temporary table."""
    kind = "table" if "." in table else "temp table"
    con.execute(f"create or replace {kind} {table} as {rows}" if first else f"insert into {table} {rows}")


def swap_in(con: duckdb.DuckDBPyConnection, building: str, table: str) -> None:
    """``building`` becomes ``table`` (same schema), the old table dropped; call it inside a transaction."""
    con.execute(f"drop table if exists {table}")
    con.execute(f"alter table {building} rename to {table.rpartition('.')[2]}")


# ``insert into t [(columns)] values (?, ?, ...)``: the one-row statement ``insert_rows`` repeats per row
_ONE_ROW_VALUES = re.compile(
    r"^(?P<head>\s*insert\s.+?\bvalues\s*)(?P<row>\((?:\s*\?\s*,)*\s*\?\s*\))\s*$", re.I | re.S
)
INSERT_CHUNK_ROWS = 500


def insert_rows(con: duckdb.DuckDBPyConnection, sql: str, rows: list) -> None:
    """The rows of a one-row ``insert ... values (?, ...)`` statement, in one transaction, as statements of up to
    ``INSERT_CHUNK_ROWS`` rows each. DuckDB's ``executemany`` runs the statement once per row (about 0.5 ms a row:
    the night's ~1,000 check outcomes took half a second) and, outside a transaction, commits each row, which on
    a DuckLake warehouse is a snapshot and a Postgres round trip. Any other statement goes to ``executemany``."""
    if not rows:
        return
    shape = _ONE_ROW_VALUES.match(sql)
    with transaction(con):
        if shape is None:
            con.executemany(sql, rows)
            return
        for start in range(0, len(rows), INSERT_CHUNK_ROWS):
            chunk = rows[start : start + INSERT_CHUNK_ROWS]
            statement = shape["head"] + ", ".join([shape["row"]] * len(chunk))
            con.execute(statement, [value for row in chunk for value in row])


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``schema.name`` is a table or a view of the connection's own database."""
    schema, name = table.split(".")
    database = scalar(con, "select current_database()")
    try:  # binding an empty select takes a fifth of a millisecond; the catalog functions below take milliseconds
        con.execute(f"select * from {_quoted(database)}.{_quoted(schema)}.{_quoted(name)} limit 0")
        return True
    except duckdb.Error:  # missing, or a view that no longer binds: the catalog says which
        pass
    # duckdb_columns() lists tables and views alike, a view that no longer binds too (see ``schema_tables``)
    return bool(scalar(
        con,
        "select count(*) > 0 from duckdb_columns() where database_name = current_database() and schema_name = $1 "
        "and table_name = $2",
        [schema, name],
    ))  # fmt: skip


def schema_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The names of the tables (not the views) of ``schema`` in the connection's own database, in order.

    Asked of ``duckdb_columns()`` less ``duckdb_views()``, not of ``duckdb_tables()``: on a DuckLake warehouse
    ``duckdb_tables()`` reads every table's statistics from the catalog, 170 ms a call with 150 tables against
    5 ms (a DuckDB file answers either in a few milliseconds)."""
    rows = con.execute(
        """
        select distinct c.table_name from duckdb_columns() c
        where c.database_name = current_database() and c.schema_name = $1
          and not exists (select 1 from duckdb_views() v where v.database_name = c.database_name
                          and v.schema_name = c.schema_name and v.view_name = c.table_name)
        order by 1
        """,
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# While a source's files land, DuckDB checkpoints the warehouse file only past this write-ahead log (its own is
# 16MB: a checkpoint after every few monthly files, each rewriting what it touched). Landing alone on the L
# files: 61 files of GL lines 22.3 s -> 11.6 s, of service-desk tickets 33.2 s -> 19.8 s; peak memory 550 -> 594 MB
# and 517 -> 727 MB, since what waits for the checkpoint is held in memory.
LANDING_CHECKPOINT_THRESHOLD = "256MB"


@contextmanager
def checkpoint_at_end(con: duckdb.DuckDBPyConnection, threshold: str = LANDING_CHECKPOINT_THRESHOLD) -> Iterator[None]:
    """The block's commits checkpoint the warehouse only past ``threshold`` of write-ahead log, and a block that
    succeeds ends with one checkpoint; the threshold before is restored either way. The threshold is the whole
    database's: call it where nothing else writes meanwhile (a step of the one-writer night). On a DuckLake
    warehouse nothing changes: each commit is a snapshot there, and CHECKPOINT is the lake's maintenance."""
    if not supports_keys(con):
        yield
        return
    before = scalar(con, "select current_setting('checkpoint_threshold')")
    con.execute(f"set checkpoint_threshold = '{threshold}'")
    try:
        yield
    finally:
        con.execute(f"set checkpoint_threshold = '{before}'")
    con.execute("checkpoint")


def supports_keys(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database enforces PRIMARY KEY constraints (a DuckDB file does, a DuckLake lake
    does not: pipelines/warehouse.py)."""
    return scalar(con, "select type from duckdb_databases() where database_name = current_database()") != "ducklake"


_KEY = re.compile(r",\s*primary key\s*\([^)]*\)|\s+primary key\b", re.IGNORECASE)


def keyed(con: duckdb.DuckDBPyConnection, ddl: str) -> str:
    """``ddl`` as it is where keys are enforced; without its PRIMARY KEY clauses on a lake (the writers keep
    the keys unique: ``upsert``)."""
    return ddl if supports_keys(con) else _KEY.sub("", ddl)


def upsert(con: duckdb.DuckDBPyConnection, table: str, key: str, row: str, params: list) -> None:
    """Insert ``row`` (``values`` text such as ``(?, ?, now()::timestamp)``, its first value the key column
    ``key``) into ``table``, replacing the row with the same key: ``insert or replace`` where keys are enforced,
    delete then insert on a lake."""
    if supports_keys(con):
        con.execute(f"insert or replace into {table} values {row}", params)
        return
    with transaction(con):
        con.execute(f"delete from {table} where {key} = ?", [params[0]])
        con.execute(f"insert into {table} values {row}", params)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """First value of the first row (the result is fully fetched before the next statement)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def in_batches(files: Iterable[tuple[T, int]], limit: int = BATCH_ROWS) -> Iterator[list[T]]:
    """``files`` (a file and its rows, in order) cut into consecutive batches of at most ``limit`` rows, or one file
    when a file alone has more; a file is never cut, and a file of no rows joins the batch before it."""
    batch: list[T] = []
    rows = 0
    for name, n in files:
        if rows > 0 and n > 0 and rows + n > limit:
            yield batch
            batch, rows = [], 0
        batch.append(name)
        rows += n
    if batch:
        yield batch
