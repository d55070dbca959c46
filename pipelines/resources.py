"""The one DuckDB resource. The nightly job runs in-process, so this process is the warehouse's only writer.

Each step asks the resource for a connection and closes it. Opening a DuckDB file is not free (its catalog is read
and, when the last connection closes, its write-ahead log is checkpointed): about 40 ms on a small warehouse,
paid by each of the night's ~280 steps. So the resource holds one anchor connection for the run; a step's
connection then comes from DuckDB's per-process database cache in well under a millisecond, and the file is
checkpointed when the run ends. A step that needs the file with another configuration (staging runs the
contracts' SQL with external access off, ``isolated_connection``) releases the anchor
first; the next step takes it again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from threading import Lock

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipelines.dagster_storage import hold_connections
from pipelines.db import held_transaction
from pipelines.settings import Settings
from pipelines.warehouse import (
    LAKE,
    Lake,
    RunLocked,
    WarehouseUnavailable,
    is_lake,
    lock_path,
    published_snapshot,
    run_lock,
)

_anchors: dict[str, duckdb.DuckDBPyConnection] = {}
ISOLATED = "|isolated"  # the key of a lake's isolated anchor (staging), beside the run's
_lock = Lock()
# what dagster_duckdb adds to every connection's configuration; DuckDB wants one configuration per file
USER_AGENT = {"custom_user_agent": "dagster"}


def release_anchor(database: str) -> None:
    """Close this process's anchor connection to ``database``, if it holds one."""
    with _lock:
        anchor = _anchors.pop(str(database), None)
    if anchor is not None:
        anchor.close()


ISOLATION = {"enable_external_access": False, "lock_configuration": True}


@contextmanager
def isolated_connection(database: str | Path, config: dict | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to ``database`` with external access disabled (``ISOLATION``). DuckDB holds one
    configuration per database file and process, so no other connection of this process may have the file open:
    the run's anchor connection is released first, and a Dagster step's own connection is
    closed when its ``with`` block ends."""
    release_anchor(str(database))  # the run's anchor connection has the file open with the run's configuration
    con = duckdb.connect(str(database), config={**(config or {}), **ISOLATION})
    try:
        yield con
    finally:
        con.close()


class WarehouseResource(DuckDBResource):
    """``DuckDBResource`` with one connection held open for the run (see the module's docstring).

    With the ``ducklake`` backend the anchor is an in-memory DuckDB with the lake attached as its default catalog
    (pipelines/warehouse.py); a step's connection is a cursor on it. ``database`` then only names the lake.
    The run holds the warehouse's run lock from set-up to teardown: a second run of the same warehouse fails at
    once with a message naming the first."""

    backend: str = "duckdb"
    lake_catalog: str | None = None
    lake_data_path: str | None = None
    lake_metadata_schema: str | None = None
    run_lock_path: str | None = None
    lake_snapshot: int | None = None  # read-only, at this snapshot (``kinerja publish`` from the last night)
    _held: ExitStack | None = PrivateAttr(default=None)

    @property
    def lake(self) -> Lake | None:
        if self.backend != "ducklake":
            return None
        return Lake(self.lake_catalog or "", Path(self.lake_data_path or "."), self.lake_metadata_schema)

    @contextmanager
    def get_connection(self):
        lake = self.lake
        config = {**USER_AGENT, **self.connection_config}
        with _lock:
            if self.database not in _anchors:
                if lake is None:
                    _anchors[self.database] = duckdb.connect(self.database, config=config)
                else:
                    read_only = self.lake_snapshot is not None
                    _anchors[self.database] = lake.connect(config, read_only=read_only, snapshot=self.lake_snapshot)
            anchor = _anchors[self.database]
        if lake is None:
            with super().get_connection() as connection:
                yield connection
            return
        cursor = anchor.cursor()
        try:
            cursor.execute(f"use {LAKE}")
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def step_connection(self):
        """``get_connection``; on a lake, with the step's statements in one transaction: one snapshot for the
        step, and the catalog read once from Postgres instead of at every statement (``step_connection``)."""
        with self.get_connection() as con:
            if self.lake is None:
                yield con
            else:
                with held_transaction(con):
                    yield con

    @contextmanager
    def isolated_connection(self):
        """A connection with file, extension and network access off (staging runs contract SQL in it;
        ``ISOLATION``). On a lake, DuckLake still writes its own data folder."""
        lake = self.lake
        if lake is None:
            with isolated_connection(self.database, self.connection_config) as con:
                yield con
            return
        # one isolated in-memory database per run, the lake attached before access is shut (its settings are
        # the database's, and locked): each staging step takes a cursor instead of attaching the lake again
        key = self.database + ISOLATED
        with _lock:
            if key not in _anchors:
                anchor = lake.connect({**USER_AGENT, **self.connection_config})
                anchor.execute("set allowed_directories = ?", [[str(lake.data_path) + os.sep]])
                for name, value in ISOLATION.items():
                    anchor.execute(f"set {name} = {str(value).lower()}")
                _anchors[key] = anchor
            cursor = _anchors[key].cursor()
        try:
            cursor.execute(f"use {LAKE}")
            yield cursor
        finally:
            cursor.close()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        hold_connections(context.instance)  # a run on Postgres storage: one connection, not one per event
        if self.run_lock_path:
            self._held = ExitStack()
            try:
                self._held.enter_context(run_lock(Path(self.run_lock_path)))
            except RunLocked as exc:
                raise dg.Failure(description=str(exc)) from None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        release_anchor(self.database)
        release_anchor(self.database + ISOLATED)
        if self._held is not None:
            self._held.close()
            self._held = None


def step_connection(resource: DuckDBResource):
    """The connection for a step whose every statement must succeed (a SQL model, a page): on a DuckLake
    warehouse all of them in one transaction. Steps that catch a database error and go on (loading a file that
    may be broken, running checks that may not run) use ``get_connection``: on a lake each of their statements
    commits alone."""
    method = getattr(resource, "step_connection", None)
    return method() if method is not None else resource.get_connection()


def warehouse_resource(settings: Settings, lock: bool = True, published: bool = False) -> WarehouseResource:
    """The run's warehouse resource for these settings (``lock``: hold the run lock while it is set up;
    ``published``: a lake read-only at its last published night)."""
    config = settings.duckdb_config
    lock_file = str(lock_path(settings)) if lock else None
    if is_lake(settings):
        lake = Lake.from_settings(settings)
        snapshot = None
        if published:
            with lake.connect(read_only=True) as con:
                found = published_snapshot(con)
            if found is None:
                raise WarehouseUnavailable("the lake has no published night yet: run `kinerja run` first")
            snapshot = found[0]
        return WarehouseResource(
            database=f"{lake.key}@{snapshot}" if snapshot is not None else lake.key,
            connection_config=config,
            backend="ducklake",
            lake_catalog=lake.catalog,
            lake_data_path=str(lake.data_path),
            lake_metadata_schema=lake.metadata_schema,
            run_lock_path=lock_file,
            lake_snapshot=snapshot,
        )
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return WarehouseResource(database=str(settings.warehouse_path), connection_config=config, run_lock_path=lock_file)
