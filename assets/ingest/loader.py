"""Loading landed files into ``raw``: idempotent by SHA-256, one transaction per file, failures recorded.

The same bytes twice are a no-op; a changed file under the same path is a new version that supersedes the
old one (the old rows stay in raw, append-only, but are no longer staged). A file that cannot be read gets a
``failed`` manifest row with the reason and is retried only when its contract changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.ingest.contracts import Contract
from assets.ingest.manifest import ensure_schemas, known_status, transaction
from assets.ingest.readers import FileReadError, LandedFile, land_file


@dataclass(frozen=True)
class FileOutcome:
    source_path: str
    file_sha256: str
    status: str  # loaded | unchanged | reactivated | failed
    rows_read: int = 0
    error: str | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def matching_files(contract: Contract, landing_dir: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in contract.globs():
        found.update(p for p in landing_dir.glob(pattern) if p.is_file() and not p.name.startswith("~$"))
    return sorted(found)


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    table = f"raw.{contract.raw_table}"
    con.execute(
        f"create table if not exists {table} (_file_sha256 varchar not null, _source_path varchar not null, "
        "_line_no bigint, _loaded_at timestamp not null, _extra varchar)"
    )
    for column in contract.read_columns:
        con.execute(f'alter table {table} add column if not exists "{column}" varchar')


def ingest_contract(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    landing_dir: Path,
    loaded_at: dt.datetime | None = None,
) -> list[FileOutcome]:
    """Load every new or changed file that matches the contract's patterns."""
    ensure_schemas(con)
    ensure_raw_table(con, contract)
    loaded_at = loaded_at or dt.datetime.now().replace(microsecond=0)
    return [ingest_file(con, contract, path, landing_dir, loaded_at) for path in matching_files(contract, landing_dir)]


def ingest_file(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, landing_dir: Path, loaded_at: dt.datetime
) -> FileOutcome:
    sha = file_sha256(path)
    rel = path.relative_to(landing_dir).as_posix()
    known = known_status(con, sha)
    if known is not None:
        status, contract_sha = known
        if status == "loaded" or (status == "failed" and contract_sha == contract.sha256):
            return FileOutcome(rel, sha, "unchanged")
        if status == "superseded":
            _activate(con, contract, sha, rel)
            return FileOutcome(rel, sha, "reactivated")
    try:
        landed = land_file(con, contract, path)
    except (FileReadError, duckdb.Error, OSError, UnicodeError) as exc:
        message = str(exc) if isinstance(exc, FileReadError) else f"{path}: {type(exc).__name__}: {exc}"
        _record_failure(con, contract, sha, rel, path, message, loaded_at)
        return FileOutcome(rel, sha, "failed", error=message)
    with transaction(con):
        _write_raw(con, contract, sha, rel, loaded_at)
        _write_manifest(con, contract, sha, rel, path, landed, loaded_at)
        _activate(con, contract, sha, rel)
    return FileOutcome(rel, sha, "loaded", rows_read=landed.rows + landed.rejects)


def _write_raw(con: duckdb.DuckDBPyConnection, contract: Contract, sha: str, rel: str, loaded_at) -> None:
    columns = ", ".join(f'"{c}"' for c in contract.read_columns)
    con.execute(
        f"insert into raw.{contract.raw_table} (_file_sha256, _source_path, _line_no, _loaded_at, _extra, {columns}) "
        f"select ?, ?, _line_no, ?, _extra, {columns} from _landed",
        [sha, rel, loaded_at],
    )
    con.execute(
        "insert into meta.parse_rejects select ?, ?, ?, _line_no, error_type, message, raw_line from _landed_rejects",
        [sha, contract.name, rel],
    )


def _drift_sentence(landed: LandedFile, contract: Contract) -> str | None:
    parts = []
    if landed.extra_columns:
        parts.append(f"extra columns not in the contract (policy {contract.schema_drift}): {landed.extra_columns}")
    if landed.missing_columns:
        parts.append(f"optional columns absent: {landed.missing_columns}")
    return "; ".join(parts) or None


def _write_manifest(con, contract: Contract, sha: str, rel: str, path: Path, landed: LandedFile, loaded_at) -> None:
    con.execute("delete from meta.load_manifest where file_sha256 = ?", [sha])
    con.execute(
        """
        insert into meta.load_manifest values
            (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, 'loaded', null, ?, ?, ?, null)
        """,
        [
            sha, contract.name, rel, path.stat().st_size, landed.format, landed.encoding, landed.delimiter,
            landed.newline, landed.header_line, json.dumps(landed.columns, ensure_ascii=False),
            _drift_sentence(landed, contract), landed.rows + landed.rejects,
            "; ".join(landed.notes) or None, contract.sha256, loaded_at,
        ],
    )  # fmt: skip


def _activate(con: duckdb.DuckDBPyConnection, contract: Contract, sha: str, rel: str) -> None:
    """Make ``sha`` the active version of ``rel``; any other loaded version of that path is superseded."""
    con.execute(
        """
        update meta.load_manifest set status = 'superseded', superseded_by = ?
        where contract = ? and source_path = ? and status = 'loaded' and file_sha256 <> ?
        """,
        [sha, contract.name, rel, sha],
    )
    con.execute("update meta.load_manifest set status = 'loaded', superseded_by = null where file_sha256 = ?", [sha])


def _record_failure(con, contract: Contract, sha: str, rel: str, path: Path, message: str, loaded_at) -> None:
    con.execute("delete from meta.load_manifest where file_sha256 = ?", [sha])
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, file_size_bytes, rows_read,
            rows_staged, rows_quarantined, status, error, contract_sha256, loaded_at)
        values (?, ?, ?, ?, 0, 0, 0, 'failed', ?, ?, ?)
        """,
        [sha, contract.name, rel, path.stat().st_size, message, contract.sha256, loaded_at],
    )
