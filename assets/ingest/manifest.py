"""The audit trail of ingestion: ``meta.load_manifest`` (one row per file version) and parse rejects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

SCHEMAS = ("raw", "meta", "reference", "staging", "quarantine", "canonical", "core", "marts")

MANIFEST_DDL = """
create table if not exists meta.load_manifest (
    file_sha256 varchar primary key,
    contract varchar not null,          -- <system>__<entity>
    source_path varchar not null,       -- relative to the landing folder
    file_size_bytes bigint,
    detected_format varchar,
    encoding varchar,
    delimiter varchar,
    newline varchar,
    header_line integer,
    columns_mapped varchar,             -- JSON: canonical -> source header
    schema_drift varchar,               -- extra / missing columns, as a sentence
    rows_read bigint,
    rows_staged bigint,
    rows_quarantined bigint,
    status varchar not null,            -- loaded | superseded | failed
    error varchar,
    notes varchar,
    contract_sha256 varchar,
    loaded_at timestamp not null,
    superseded_by varchar
);
create table if not exists meta.parse_rejects (
    file_sha256 varchar not null,
    contract varchar not null,
    source_path varchar not null,
    line_no bigint,
    error_type varchar,
    message varchar,
    raw_line varchar
);
"""


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    con.execute(MANIFEST_DDL)


def known_status(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[str, str] | None:
    rows = con.execute(
        "select status, contract_sha256 from meta.load_manifest where file_sha256 = ?", [sha256]
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All the statements of the block, or none of them: commit at the end, roll back on any error."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``schema.name`` is a table or a view of the connection's own database."""
    schema, name = table.split(".")
    return bool(scalar(
        con,
        "select (select count(*) from duckdb_tables() where schema_name = $1 and table_name = $2 "
        "and database_name = current_database()) + (select count(*) from duckdb_views() where schema_name = $1 "
        "and view_name = $2 and database_name = current_database())",
        [schema, name],
    ))  # fmt: skip


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """First value of the first row (the result is fully fetched, as DuckDB 2 requires)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
