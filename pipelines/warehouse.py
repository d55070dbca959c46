"""Where the warehouse lives, how the run writes it and how readers open the last published night.

Two backends, chosen by the ``warehouse_backend`` setting; the SQL models run unchanged on both:

- ``duckdb`` (the default): one DuckDB file written by the nightly run only. Readers never open it: after the
  night's checks pass, the run publishes a read copy (``dashboards/publish.py``) and readers open that.
- ``ducklake``: a DuckLake lake: its catalog in Postgres (``ducklake_catalog``, a libpq connection string; the
  password comes from the environment, ``PGPASSWORD`` or ``~/.pgpass``, never from settings) and its data as
  Parquet files under ``ducklake_data_path``. Every commit is a snapshot. The run writes in an in-memory DuckDB
  with the lake attached as ``warehouse`` (the default catalog, so ``core.x`` means the lake's table); once the
  night's checks pass, the published step commits a marker snapshot whose message names the run
  (``published night <run id>``). Readers attach the lake read-only at the newest such snapshot, so they never
  wait for the writer and never see part of a night: a failed or killed night leaves the last good one published.

DuckLake has no PRIMARY KEY/UNIQUE constraints, so the few meta tables that use them (``INSERT OR REPLACE``)
are declared through ``key_clause`` and written through ``upsert``.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.settings import Settings

LAKE = "warehouse"  # the name the lake is attached under; the default catalog of every lake connection
PUBLISHED_AUTHOR = "kinerja"
PUBLISHED_PREFIX = "published night "
EXTENSIONS = ("postgres", "ducklake")


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be opened (catalog down, data path not writable, extension missing); the message
    says which and what to do."""


class RunLocked(RuntimeError):
    """Another run is writing the same warehouse."""


def _extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file inside the ``duckdb-extension-<name>`` package (installed offline)."""
    import importlib

    try:
        package = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as exc:
        raise WarehouseUnavailable(
            f"the DuckDB extension package duckdb-extension-{name} is not installed (pip install "
            f"duckdb-extension-{name}=={duckdb.__version__})"
        ) from exc
    path = Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise WarehouseUnavailable(f"{path} is missing: duckdb-extension-{name} must match duckdb {duckdb.__version__}")
    return path


def load_lake_extensions(con: duckdb.DuckDBPyConnection) -> None:
    for name in EXTENSIONS:
        loaded = con.execute("select loaded from duckdb_extensions() where extension_name = ?", [name]).fetchone()
        if not (loaded and loaded[0]):
            con.execute(f"install '{_extension_file(name)}'")
            con.execute(f"load {name}")


@dataclass(frozen=True)
class Lake:
    """A DuckLake lake: its Postgres catalog, its data folder and (for a lake shared by several companies) the
    Postgres schema that holds this warehouse's catalog tables."""

    catalog: str
    data_path: Path
    metadata_schema: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Lake:
        if not settings.ducklake_catalog:
            raise WarehouseUnavailable(
                "warehouse_backend is ducklake but ducklake_catalog is not set (a libpq string such as "
                "'dbname=kinerja host=127.0.0.1 port=5432 user=kinerja'; see docs/deployment.md)"
            )
        return cls(settings.ducklake_catalog, settings.ducklake_data_path, settings.ducklake_metadata_schema)

    @property
    def key(self) -> str:
        """What identifies this lake in this process (the run's anchor connection is kept under it)."""
        return f"ducklake:{self.catalog}|{self.data_path}|{self.metadata_schema or ''}"

    def _options(self, read_only: bool, snapshot: int | None) -> str:
        options = [] if read_only else [f"data_path '{_quoted(str(self.data_path) + os.sep)}'"]
        if self.metadata_schema:
            options.append(f"metadata_schema '{_quoted(self.metadata_schema)}'")
        if read_only:
            options.append("read_only")
        if snapshot is not None:
            options.append(f"snapshot_version {int(snapshot)}")
        return f" ({', '.join(options)})" if options else ""

    def attach(self, con: duckdb.DuckDBPyConnection, read_only: bool = False, snapshot: int | None = None) -> None:
        """Attach the lake to ``con`` as ``warehouse`` and make it the default catalog."""
        load_lake_extensions(con)
        if not read_only:
            self.check_data_path()
        try:
            con.execute(
                f"attach 'ducklake:postgres:{_quoted(self.catalog)}' as {LAKE}{self._options(read_only, snapshot)}"
            )
        except duckdb.Error as exc:
            raise WarehouseUnavailable(
                f"cannot open the DuckLake catalog ({_safe_conninfo(self.catalog)}): "
                f"{_safe_conninfo(_first_line(exc))}. "
                "Is Postgres running and reachable, and is ducklake_catalog right?"
            ) from exc
        con.execute(f"use {LAKE}")

    def check_data_path(self) -> None:
        try:
            self.data_path.mkdir(parents=True, exist_ok=True)
            probe = self.data_path / f".kinerja-write-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise WarehouseUnavailable(
                f"the lake's data path {self.data_path} is not writable ({exc.strerror}): fix its permissions or "
                "set ducklake_data_path"
            ) from exc

    def connect(self, config: dict | None = None, read_only: bool = False, snapshot: int | None = None):
        con = duckdb.connect(config=config or {})
        try:
            self.attach(con, read_only=read_only, snapshot=snapshot)
        except BaseException:
            con.close()
            raise
        return con


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_PASSWORD = re.compile(r"\s*password\s*=\s*('[^']*'|\S+)", re.IGNORECASE)


def _safe_conninfo(conninfo: str) -> str:
    """The connection string (or a message quoting it) without a password."""
    return _PASSWORD.sub("", conninfo)


def is_lake(settings: Settings) -> bool:
    return settings.warehouse_backend == "ducklake"


def published_snapshot(con: duckdb.DuckDBPyConnection, catalog: str = LAKE) -> tuple[int, str] | None:
    """The newest published snapshot of the lake attached as ``catalog``: (snapshot id, run id), or None."""
    row = con.execute(
        f"select snapshot_id, commit_message from {catalog}.snapshots() "
        "where author = ? and starts_with(commit_message, ?) order by snapshot_id desc limit 1",
        [PUBLISHED_AUTHOR, PUBLISHED_PREFIX],
    ).fetchone()
    return (int(row[0]), row[1][len(PUBLISHED_PREFIX) :]) if row else None


def publish_snapshot(con: duckdb.DuckDBPyConnection, run_id: str, keep_nights: int = 7) -> int:
    """Mark everything the run committed as the published night: one commit (the run's id in
    ``meta.published_nights`` and in the snapshot's message) that readers look for. Snapshots older than the
    ``keep_nights`` newest published nights are expired and their unreferenced files removed. Returns the
    published snapshot's id."""
    con.execute("create schema if not exists meta")
    con.execute(
        "create table if not exists meta.published_nights (run_id varchar not null, published_at timestamp not null)"
    )
    con.execute("begin transaction")
    try:
        con.execute(f"call {LAKE}.set_commit_message(?, ?)", [PUBLISHED_AUTHOR, PUBLISHED_PREFIX + run_id])
        con.execute("insert into meta.published_nights values (?, now()::timestamp)", [run_id])
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    snapshot = published_snapshot(con)
    if snapshot is None or snapshot[1] != run_id:
        raise WarehouseUnavailable(f"the published mark of night {run_id} is not the lake's newest: {snapshot}")
    _expire(con, keep_nights)
    return snapshot[0]


def _expire(con: duckdb.DuckDBPyConnection, keep_nights: int) -> None:
    """Expire what no reader of the ``keep_nights`` newest published nights can need."""
    rows = con.execute(
        f"select snapshot_id from {LAKE}.snapshots() where author = ? and starts_with(commit_message, ?) "
        "order by snapshot_id desc",
        [PUBLISHED_AUTHOR, PUBLISHED_PREFIX],
    ).fetchall()
    if len(rows) <= keep_nights:
        return
    oldest_kept = rows[keep_nights - 1][0]
    old = [
        r[0] for r in con.execute(f"select snapshot_id from {LAKE}.snapshots() where snapshot_id < ?", [oldest_kept])
    ]
    if old:
        con.execute(f"call ducklake_expire_snapshots('{LAKE}', versions => ?)", [old])
        con.execute(f"call ducklake_cleanup_old_files('{LAKE}', cleanup_all => true)")


def open_reader(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the last published night (before the first one: the warehouse as it is)."""
    if not is_lake(settings):
        source = settings.read_copy if settings.read_copy.exists() else settings.warehouse_path
        return duckdb.connect(str(source), read_only=True)
    lake = Lake.from_settings(settings)
    con = lake.connect(read_only=True)
    published = published_snapshot(con)
    if published is None:
        return con
    con.execute(f"use memory; detach {LAKE}")
    lake.attach(con, read_only=True, snapshot=published[0])
    return con


def describe_published(settings: Settings) -> str:
    """What readers open, in words (for status lines)."""
    if not is_lake(settings):
        if settings.read_copy.exists():
            return f"read copy of the last published night {settings.read_copy}"
        return f"warehouse {settings.warehouse_path}"
    with Lake.from_settings(settings).connect(read_only=True) as con:
        published = published_snapshot(con)
    where = f"DuckLake {_safe_conninfo(settings.ducklake_catalog or '')}"
    return f"{where}, snapshot {published[0]} (night {published[1]})" if published else f"{where} (no night published)"


def warehouse_exists(settings: Settings) -> bool:
    """Whether anything was ever written (a file, or a lake catalog that answers)."""
    if not is_lake(settings):
        return settings.warehouse_path.exists()
    try:
        Lake.from_settings(settings).connect(read_only=True).close()
    except WarehouseUnavailable:
        return False
    return True


def open_writer(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A writing connection outside a run (``kinerja load``, ``kinerja accept``); hold ``run_lock`` around it."""
    config = settings.duckdb_config
    if is_lake(settings):
        return Lake.from_settings(settings).connect(config)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(settings.warehouse_path), config=config)


def lock_path(settings: Settings) -> Path:
    """The lock file a writing run holds: beside the DuckDB file, or in the lake's data folder."""
    if is_lake(settings):
        return settings.ducklake_data_path / ".kinerja-run.lock"
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".run.lock")


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold ``path`` exclusively for a writing run; fail at once, naming the holder, if another run holds it.
    The lock is the kernel's (``flock``): a killed run's lock goes with its process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"another Kinerja run is writing this warehouse ({holder}; lock {path}): wait for it to finish, "
                "then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
