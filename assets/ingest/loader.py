"""Loading landed files into ``raw``: idempotent by SHA-256 per contract, one transaction per file, failures recorded.

The same bytes twice are a no-op (one file may feed several contracts: each loads it once). A changed file under
the same path is a new version that supersedes the old one (the old rows stay in raw, append-only, but are no
longer staged) - unless it has more than the contract's ``replace_guard.max_row_drop_pct`` fewer rows: then it is
``held`` (read into raw, not staged), the old version stays loaded, and ``kinerja accept`` lets it through.
Versions of a path are ordered by arrival: bytes of a superseded version dropped again (under any name) are an
ignored duplicate, never a reactivation. A file that cannot be read gets a ``failed`` manifest row with the
reason and is retried only when its contract changes; a later version of that path that loads clears it. A file
that left the landing folder is ``retracted`` (its rows leave staging) or kept (``on_file_removed: keep``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.ingest.contracts import Contract
from assets.ingest.manifest import ensure_schemas
from assets.ingest.readers import FileReadError, LandedFile, land_file, release_landed
from assets.ingest.sniff import LineTooLong
from pipelines.db import checkpoint_at_end, table_exists, transaction


@dataclass(frozen=True)
class FileOutcome:
    source_path: str
    file_sha256: str
    status: str  # loaded | unchanged | moved | reactivated | accepted | held | ignored | retracted | kept | failed
    rows_read: int = 0
    error: str | None = None  # failed: why the file could not be read
    note: str | None = None  # held, ignored, retracted, kept, moved: why, in a sentence

    @property
    def reason(self) -> str | None:
        return self.error or self.note


# statuses of a manifest row whose version still claims its path (the others are history)
PENDING = ("held", "accepted", "failed")
CLAIMING = ("loaded", *PENDING)
KEPT_NOTE = "removed from the landing folder"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def matching_files(contract: Contract, landing_dir: Path) -> list[Path]:
    """The regular files the contract's patterns match (links and special files are refused, see below)."""
    return [p for p in _matches(contract, landing_dir) if not _refusal(p)]


def _matches(contract: Contract, landing_dir: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in contract.globs():
        found.update(p for p in landing_dir.glob(pattern) if not p.name.startswith("~$") and not p.is_dir())
    return sorted(found)


def _refusal(path: Path) -> str | None:
    """Why a matched path is not read: a symbolic link could reach any file of the server (a link to
    /etc/shadow put its first line on a page); a pipe, socket or device is no export."""
    if path.is_symlink():
        return "a symbolic link; only regular files in the landing folder are read (rule: regular_file)"
    if not path.is_file():
        return "not a regular file (a pipe, socket or device); only regular files are read (rule: regular_file)"
    return None


def _refuse(con, contract: Contract, path: Path, landing_dir: Path, reason: str, loaded_at) -> FileOutcome:
    rel = path.relative_to(landing_dir).as_posix()
    key = "refused:" + hashlib.sha256(rel.encode("utf-8")).hexdigest()  # the file itself is never opened
    message = f"{rel}: {reason}"
    con.execute("delete from meta.load_manifest where contract = ? and file_sha256 = ?", [contract.name, key])
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, file_size_bytes, rows_read,
            rows_staged, rows_quarantined, status, error, contract_sha256, loaded_at, status_changed_at)
        values (?, ?, ?, null, 0, 0, 0, 'failed', ?, ?, ?, ?)
        """,
        [key, contract.name, rel, message, contract.sha256, loaded_at, loaded_at],
    )
    return FileOutcome(rel, key, "failed", error=message)


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    table = f"raw.{contract.raw_table}"
    read = "".join(f', "{column}" varchar' for column in contract.read_columns)
    con.execute(
        f"create table if not exists {table} (_file_sha256 varchar not null, _source_path varchar not null, "
        f"_line_no bigint, _loaded_at timestamp not null, _extra varchar{read})"
    )
    # a column the contract gained since: added alone (on a DuckLake warehouse every ALTER is a commit of its own)
    present = {d[0].casefold() for d in con.execute(f"select * from {table} limit 0").description}
    for column in contract.read_columns:
        if column.casefold() not in present:
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
    outcomes = []
    with checkpoint_at_end(con):
        for path in _matches(contract, landing_dir):
            reason = _refusal(path)
            if reason:
                outcomes.append(_refuse(con, contract, path, landing_dir, reason, loaded_at))
            else:
                outcomes.append(ingest_file(con, contract, path, landing_dir, loaded_at))
    present = {o.source_path: o.file_sha256 for o in outcomes}
    return outcomes + reconcile_landing(con, contract, landing_dir, present, loaded_at)


def ingest_file(
    con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, landing_dir: Path, loaded_at: dt.datetime
) -> FileOutcome:
    sha = file_sha256(path)
    rel = path.relative_to(landing_dir).as_posix()
    entry = manifest_entry(con, contract.name, sha)
    if entry is not None:
        before = entry["source_path"]
        if _is_old(con, contract, entry, rel):
            return _ignored(sha, rel, entry)
        # renamed in the landing folder (or accepted under the name it was dropped again with): the same version
        # under its new name
        moved = before != rel and (entry["status"] == "accepted" or not (landing_dir / before).is_file())
        if moved:
            _move(con, contract, sha, before, rel)
            entry["source_path"] = rel
        known = _known_version(con, contract, sha, rel, entry, loaded_at)
        if known is not None:
            if moved and known.status == "unchanged":
                return FileOutcome(rel, sha, "moved", note=f"renamed in the landing folder from {before}")
            return known
    try:
        landed = land_file(con, contract, path)
    except Exception as exc:  # whatever one file does to a reader, it is that file's failure, not the night's
        known_kinds = (FileReadError, LineTooLong)
        message = str(exc) if isinstance(exc, known_kinds) else f"{path}: {type(exc).__name__}: {exc}"
        _record_failure(con, contract, sha, rel, path, message, loaded_at)
        return FileOutcome(rel, sha, "failed", error=message)
    rows_read = landed.rows + landed.rejects
    held = replace_guard_reason(contract, rel, loaded_version(con, contract.name, rel, sha), rows_read)
    try:
        with transaction(con):
            _write_raw(con, contract, sha, rel, loaded_at)
            _write_manifest(con, contract, sha, rel, path, landed, loaded_at, held)
            if held is None:
                _activate(con, contract, sha, rel, loaded_at)
    finally:
        release_landed(con)
    return FileOutcome(rel, sha, "held" if held else "loaded", rows_read=rows_read, note=held)


def manifest_entry(con: duckdb.DuckDBPyConnection, contract_name: str, sha: str) -> dict | None:
    """The manifest row of one file version of one contract, as a dict (None: the contract never saw it)."""
    cursor = con.execute(
        "select status, contract_sha256, source_path, rows_read, error, status_reason, loaded_at, superseded_by "
        "from meta.load_manifest where contract = ? and file_sha256 = ?",
        [contract_name, sha],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def loaded_version(con: duckdb.DuckDBPyConnection, contract_name: str, rel: str, sha: str) -> tuple | None:
    """(sha, rows read, arrival) of the loaded version of ``rel`` other than ``sha``, if there is one."""
    rows = con.execute(
        "select file_sha256, rows_read, loaded_at from meta.load_manifest where contract = ? and source_path = ? "
        "and status = 'loaded' and file_sha256 <> ? order by loaded_at desc limit 1",
        [contract_name, rel, sha],
    ).fetchall()
    return rows[0] if rows else None


def replace_guard_reason(contract: Contract, rel: str, previous: tuple | None, rows_read: int) -> str | None:
    """Why a new version of ``rel`` with ``rows_read`` rows is held instead of replacing ``previous`` (None: it is
    not: no loaded version, or not more than ``replace_guard.max_row_drop_pct`` fewer rows)."""
    if previous is None or not previous[1]:
        return None
    old_sha, old_rows, old_at = previous
    limit = contract.replace_guard.max_row_drop_pct
    drop = 100.0 * (old_rows - rows_read) / old_rows
    if drop <= limit:
        return None
    return (
        f"rows {old_rows:,} -> {rows_read:,} ({-drop:.1f}%): more than replace_guard.max_row_drop_pct {limit:g}% "
        f"fewer than the loaded version {old_sha[:12]} (arrived {old_at:%Y-%m-%d %H:%M}), which stays loaded; "
        f"`kinerja accept {rel}` lets this version through"
    )


def _known_version(con, contract: Contract, sha: str, rel: str, entry: dict, at: dt.datetime) -> FileOutcome | None:
    """What a version the contract has seen before becomes (None: read it again, after a contract change)."""
    status = entry["status"]
    if status == "loaded":
        return FileOutcome(rel, sha, "unchanged")
    if status == "failed":
        return FileOutcome(rel, sha, "unchanged") if entry["contract_sha256"] == contract.sha256 else None
    if status == "held":  # the contract (or the loaded version) may have changed since: judge it again
        held = replace_guard_reason(contract, rel, loaded_version(con, contract.name, rel, sha), entry["rows_read"])
        if held is None:
            _activate(con, contract, sha, rel, at)
            return FileOutcome(rel, sha, "loaded", rows_read=entry["rows_read"], note="no longer held")
        if held != entry["status_reason"]:
            _set_reason(con, contract, sha, held, at)
        return FileOutcome(rel, sha, "held", rows_read=entry["rows_read"], note=held)
    if status == "accepted":
        _activate(con, contract, sha, rel, at)
        return FileOutcome(rel, sha, "accepted", rows_read=entry["rows_read"], note=entry["status_reason"])
    if status == "retracted":  # the file is back (a version older than the path's newest was ignored above)
        _activate(con, contract, sha, rel, at)
        return FileOutcome(rel, sha, "reactivated", rows_read=entry["rows_read"])
    raise ValueError(f"manifest status {status!r} of {entry['source_path']} ({sha[:12]}) is not known")


def _is_old(con, contract: Contract, entry: dict, rel: str) -> bool:
    """Old bytes never come back on their own: a superseded version, or a retracted one whose path (or the path
    it is dropped under now) has had a newer version since."""
    if entry["status"] == "superseded":
        return True
    if entry["status"] != "retracted":
        return False
    return bool(
        con.execute(
            "select count(*) from meta.load_manifest where contract = ? and source_path in (?, ?) and loaded_at > ? "
            "and status in ('loaded', 'superseded', 'held', 'accepted')",
            [contract.name, entry["source_path"], rel, entry["loaded_at"]],
        ).fetchall()[0][0]
    )


def _ignored(sha: str, rel: str, entry: dict) -> FileOutcome:
    kind = "superseded" if entry["status"] == "superseded" else "retracted, since replaced,"
    by = f", replaced by {entry['superseded_by'][:12]}" if entry["superseded_by"] else ""
    note = (
        f"duplicate of {kind} version {sha[:12]} of {entry['source_path']} (arrived "
        f"{entry['loaded_at']:%Y-%m-%d %H:%M}{by}): ignored; `kinerja accept {rel}` makes it the loaded version"
    )
    return FileOutcome(rel, sha, "ignored", note=note)


def _set_reason(con, contract: Contract, sha: str, reason: str | None, at: dt.datetime) -> None:
    con.execute(
        "update meta.load_manifest set status_reason = ?, status_changed_at = ? where contract = ? and file_sha256 = ?",
        [reason, at, contract.name, sha],
    )


def _move(con, contract: Contract, sha: str, old: str, new: str) -> None:
    """A version renamed in the landing folder: its manifest row, raw rows and rejects take the new name, and
    staging forgets it (its rows leave staging and quarantine) so the next build stages it again under that name
    (a ``from_path`` column may read differently)."""
    with transaction(con):
        for table in (f"staging.{contract.staging_table}", f"quarantine.{contract.name}"):
            if table_exists(con, table):
                con.execute(f"delete from {table} where _file_sha256 = ?", [sha])
        if table_exists(con, "meta.staging_flags"):
            con.execute("delete from meta.staging_flags where contract = ? and file_sha256 = ?", [contract.name, sha])
        con.execute(
            "update meta.load_manifest set source_path = ? where contract = ? and file_sha256 = ?",
            [new, contract.name, sha],
        )
        con.execute(f"update raw.{contract.raw_table} set _source_path = ? where _file_sha256 = ?", [new, sha])
        con.execute(
            "update meta.parse_rejects set source_path = ? where contract = ? and file_sha256 = ?",
            [new, contract.name, sha],
        )
        if table_exists(con, "meta.staging_state"):
            con.execute(
                "update meta.staging_state set staged_files = list_filter(staged_files, lambda f: f <> ?) "
                "where contract = ?",
                [sha, contract.name],
            )


def reconcile_landing(
    con: duckdb.DuckDBPyConnection, contract: Contract, landing_dir: Path, present: dict[str, str], at: dt.datetime
) -> list[FileOutcome]:
    """Versions whose file left the landing folder are retracted (or kept, ``on_file_removed: keep``); a held,
    accepted or failed version whose path now holds other bytes is superseded by them. ``present`` maps each
    matching file's path to its SHA-256. An empty or missing landing folder (an unmounted share?) retracts nothing."""
    rows = con.execute(
        f"select file_sha256, source_path, status, status_reason, rows_read from meta.load_manifest "
        f"where contract = ? and status in ({', '.join(repr(s) for s in CLAIMING)}) order by source_path, loaded_at",
        [contract.name],
    ).fetchall()
    landing_has_files = landing_dir.is_dir() and any(p.is_file() for p in landing_dir.rglob("*"))
    outcomes = []
    for sha, rel, status, reason, rows_read in rows:
        if rel in present:
            if status != "loaded" and present[rel] != sha:
                why = f"a newer version of the file ({present[rel][:12]}) is in the landing folder"
                _supersede(con, contract, sha, present[rel], at, why)
            elif status == "loaded" and (reason or "").startswith(KEPT_NOTE):
                _set_reason(con, contract, sha, None, at)  # it is back
            continue
        if not landing_has_files:
            continue
        if status == "loaded" and contract.on_file_removed == "keep":
            if not (reason or "").startswith(KEPT_NOTE):
                note = f"{KEPT_NOTE} on {at:%Y-%m-%d %H:%M}; its rows stay staged (on_file_removed: keep)"
                _set_reason(con, contract, sha, note, at)
                outcomes.append(FileOutcome(rel, sha, "kept", rows_read=rows_read or 0, note=note))
            continue
        left = "its rows left staging" if status == "loaded" else f"it was {status}, nothing of it was staged"
        note = f"removed from the landing folder (or no longer matched by files) on {at:%Y-%m-%d %H:%M}: {left}"
        con.execute(
            "update meta.load_manifest set status = 'retracted', status_reason = ?, status_changed_at = ? "
            "where contract = ? and file_sha256 = ?",
            [note, at, contract.name, sha],
        )
        outcomes.append(FileOutcome(rel, sha, "retracted", rows_read=rows_read or 0, note=note))
    return outcomes


def _supersede(con, contract: Contract, sha: str, by: str, at: dt.datetime, reason: str) -> None:
    con.execute(
        "update meta.load_manifest set status = 'superseded', superseded_by = ?, status_reason = ?, "
        "status_changed_at = ? where contract = ? and file_sha256 = ?",
        [by, reason, at, contract.name, sha],
    )


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


def _write_manifest(
    con, contract: Contract, sha: str, rel: str, path: Path, landed: LandedFile, loaded_at, held: str | None
) -> None:
    """The version's manifest row: ``loaded`` (counts filled by staging) or ``held`` (nothing staged) with why."""
    con.execute("delete from meta.load_manifest where contract = ? and file_sha256 = ?", [contract.name, sha])
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, file_size_bytes, detected_format,
            encoding, delimiter, newline, header_line, columns_mapped, schema_drift, rows_read, rows_staged,
            rows_quarantined, status, notes, contract_sha256, loaded_at, status_reason, status_changed_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            sha,
            contract.name,
            rel,
            path.stat().st_size,
            landed.format,
            landed.encoding,
            landed.delimiter,
            landed.newline,
            landed.header_line,
            json.dumps(landed.columns, ensure_ascii=False),
            _drift_sentence(landed, contract),
            landed.rows + landed.rejects,
            0 if held else None,
            0 if held else None,
            "held" if held else "loaded",
            "; ".join(landed.notes) or None,
            contract.sha256,
            loaded_at,
            held,
            loaded_at,
        ],
    )


def _activate(con: duckdb.DuckDBPyConnection, contract: Contract, sha: str, rel: str, at: dt.datetime) -> None:
    """Make ``sha`` the loaded version of ``rel``: any other version that claims the path (loaded, held, accepted
    or failed) is superseded by it - a failure of that path is cleared by the version that loads."""
    con.execute(
        f"""
        update meta.load_manifest set status = 'superseded', superseded_by = $sha, status_changed_at = $at,
            status_reason = case status
                when 'failed' then 'a later version loaded (' || left($sha, 12) || '): the failure is cleared'
                when 'loaded' then 'replaced by version ' || left($sha, 12)
                else 'version ' || left($sha, 12) || ' was loaded before this ' || status || ' version' end
        where contract = $contract and source_path = $rel and file_sha256 <> $sha
          and status in ({", ".join(repr(s) for s in CLAIMING)})
        """,
        {"sha": sha, "at": at, "contract": contract.name, "rel": rel},
    )
    con.execute(
        "update meta.load_manifest set status = 'loaded', superseded_by = null, status_changed_at = ? "
        "where contract = ? and file_sha256 = ?",
        [at, contract.name, sha],
    )


def _record_failure(con, contract: Contract, sha: str, rel: str, path: Path, message: str, loaded_at) -> None:
    con.execute("delete from meta.load_manifest where contract = ? and file_sha256 = ?", [contract.name, sha])
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, file_size_bytes, rows_read,
            rows_staged, rows_quarantined, status, error, contract_sha256, loaded_at, status_changed_at)
        values (?, ?, ?, ?, 0, 0, 0, 'failed', ?, ?, ?, ?)
        """,
        [sha, contract.name, rel, path.stat().st_size, message, contract.sha256, loaded_at, loaded_at],
    )


class AcceptError(ValueError):
    """``kinerja accept`` found nothing to accept, or more than one version; the message says what to give."""


def accept_version(con: duckdb.DuckDBPyConnection, landing_dir: Path, target: str, at: dt.datetime) -> list[dict]:
    """Mark a held version (or a superseded one dropped again) ``accepted``: the next load makes it the loaded
    version of its path. ``target`` is the file's path relative to the landing folder, or a prefix of a held
    version's SHA-256. Returns the accepted manifest rows (one per contract the file feeds)."""
    ensure_schemas(con)
    path = landing_dir / target
    if path.is_file():
        sha = file_sha256(path)
        rows = _rows(con, "file_sha256 = ?", [sha])
        statuses = ("held", "superseded", "retracted")  # an old version dropped again: going back on purpose
        what = f"{target} (version {sha[:12]})"
    else:
        if len(target) < 6 or not all(c in "0123456789abcdef" for c in target.lower()):
            raise AcceptError(
                f"{target} is neither a file under the landing folder {landing_dir} nor a SHA-256 prefix (6 or more "
                "hex digits) of a held version: `kinerja status` lists the held files"
            )
        rows = _rows(con, "file_sha256 like ?", [target.lower() + "%"])
        statuses = ("held",)
        what = f"version {target}"
        if len({r["file_sha256"] for r in rows if r["status"] in statuses}) > 1:
            listed = ", ".join(sorted({f"{r['file_sha256'][:16]} ({r['source_path']})" for r in rows}))
            raise AcceptError(f"{target} matches several held versions: {listed}; give more of the SHA-256")
    chosen = [r for r in rows if r["status"] in statuses]
    if not chosen:
        known = ", ".join(f"{r['contract']}: {r['status']}" for r in rows) or "not loaded by any contract yet"
        raise AcceptError(f"{what} is not held ({known}): there is nothing to accept")
    for row in chosen:
        was = (row["status_reason"] or row["status"]).split(":")[0]
        con.execute(
            "update meta.load_manifest set status = 'accepted', status_reason = ?, status_changed_at = ? "
            "where contract = ? and file_sha256 = ?",
            [
                f"accepted on {at:%Y-%m-%d %H:%M} (it was {row['status']}: {was})",
                at,
                row["contract"],
                row["file_sha256"],
            ],
        )
    return chosen


def _rows(con: duckdb.DuckDBPyConnection, condition: str, params: list) -> list[dict]:
    cursor = con.execute(
        f"select contract, file_sha256, source_path, status, status_reason, rows_read from meta.load_manifest "
        f"where {condition} order by contract",
        params,
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
