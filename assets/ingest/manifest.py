"""The audit trail of ingestion: ``meta.load_manifest`` (one row per file version and contract) and parse rejects.

A file version is its SHA-256; the same bytes may feed several contracts, so a row is keyed by
(contract, file_sha256). Statuses:

- ``loaded``: the active version of its path; its rows are staged.
- ``superseded``: a later version of the path (or a fixed file, for a former ``failed`` row) replaced it.
- ``held``: a new version with too many fewer rows than the loaded one (the contract's ``replace_guard``); read
  into raw but not staged; the loaded version stays until ``kinerja accept`` lets it through.
- ``accepted``: a held (or superseded) version accepted by ``kinerja accept``; the next load activates it.
- ``retracted``: the file left the landing folder; its rows left staging (``on_file_removed: retract``).
- ``failed``: the file could not be read; ``error`` says why.

``status_reason`` says in a sentence why a row has its status (held, retracted, ignored copy, accepted) and
``status_changed_at`` when it changed.
"""

from __future__ import annotations

import duckdb

from pipelines.db import ensure_warehouse_schemas, keyed, table_exists, transaction

MANIFEST_DDL = """
create table if not exists meta.load_manifest (
    file_sha256 varchar not null,
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
    status varchar not null,            -- loaded | superseded | held | accepted | retracted | failed
    error varchar,
    notes varchar,
    contract_sha256 varchar,
    loaded_at timestamp not null,       -- when the version arrived (versions of a path are ordered by it)
    superseded_by varchar,
    status_reason varchar,              -- why it is held, retracted, accepted, or ignored when dropped again
    status_changed_at timestamp,
    primary key (contract, file_sha256)
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


# Columns added after the first release: an older manifest gets them (null) when it is next opened for writing.
ADDED_COLUMNS = (("status_reason", "varchar"), ("status_changed_at", "timestamp"))


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    ensure_warehouse_schemas(con)
    if table_exists(con, "meta.load_manifest") and manifest_key(con) == ["file_sha256"]:
        migrate_manifest_key(con)
    con.execute(keyed(con, MANIFEST_DDL))
    for column, kind in ADDED_COLUMNS:
        con.execute(f"alter table meta.load_manifest add column if not exists {column} {kind}")


def manifest_key(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select constraint_column_names from duckdb_constraints() where schema_name = 'meta' "
        "and table_name = 'load_manifest' and constraint_type = 'PRIMARY KEY' and database_name = current_database()"
    ).fetchall()
    return list(rows[0][0]) if rows else []


def migrate_manifest_key(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate a manifest keyed by file_sha256 alone with the key (contract, file_sha256), keeping every row."""
    with transaction(con):
        con.execute("alter table meta.load_manifest rename to load_manifest_by_sha")
        con.execute(keyed(con, MANIFEST_DDL))
        con.execute("insert into meta.load_manifest by name select * from meta.load_manifest_by_sha")
        con.execute("drop table meta.load_manifest_by_sha")


def known_status(con: duckdb.DuckDBPyConnection, contract: str, sha256: str) -> tuple[str, str] | None:
    """(status, contract_sha256) of a file version for a contract, or None when the contract never saw it."""
    rows = con.execute(
        "select status, contract_sha256 from meta.load_manifest where contract = ? and file_sha256 = ?",
        [contract, sha256],
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None
