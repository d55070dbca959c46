"""The event log of a local Dagster instance (``make run``, ``make ui``): Dagster's SQLite event log, one database
per run plus an index, with two changes that make a night's thousands of events cheap to store.

Dagster's SQLite event log builds a new engine and opens a new connection for every event it stores, and commits
each with a full fsync. A demo night stores about 4,500 events (every step, output, materialization and one
evaluation per quality check). On 2 cores that cost 27 s of a 73 s night, against the same night on an in-memory
instance (46 s). Here:

- each database keeps its engine and a pool of open connections (the engines of the 8 databases used last);
- every connection sets ``synchronous = NORMAL``. The databases are in WAL mode (Dagster sets it), where NORMAL
  cannot corrupt a database: a power cut may lose the last events, never the ones before. The warehouse, which
  is what a night produces, is DuckDB's and does not change.

The night then takes 47 s. Everything else (schema, migrations, files under ``$DAGSTER_HOME/storage``, what the
UI reads) is Dagster's own, so an instance can switch to and from this class.

The server profile stores runs, events and schedules in Postgres (``deploy/server/dagster.yaml``), where Dagster
opens a new connection for every statement too (its engines have no pool, so that an idle process holds no
connection): about 10,700 connections in a night of a 20-employee company, each a server process Postgres forks,
24 s of the run's own time in connecting alone. ``hold_connections`` gives a process that runs a night what
Dagster gives its webserver: one open connection per storage, more only while statements overlap, and no
statement timeout (as before). The nightly CLI calls it before its run, the warehouse resource when a run
launched by the daemon or the UI sets it up.

A run with no ``DAGSTER_HOME`` (``kinerja run`` outside the Makefile, the benchmark harness, the tests) keeps its
events in memory, where Dagster's event log opens a new SQLite connection, with two PRAGMAs, for every event and
every read: 4 to 5 s of a 35 s night of a 60-employee company, most of it the ~1,000 check evaluations.
``ephemeral_instance`` is Dagster's ephemeral instance with an in-memory event log that stores through the
connection it already holds (``HeldInMemoryEventLogStorage``).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.instance import InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

KEPT_ENGINES = 8  # the index and the runs being written or read; a long-lived UI process reads many runs
# a run's pool of Postgres connections: one kept open, up to POOL_OVERFLOW more while statements overlap
POOL_RECYCLE_SECONDS = 3600
POOL_OVERFLOW = 20
NO_STATEMENT_TIMEOUT = 0
_holding: weakref.WeakSet = weakref.WeakSet()  # the instances whose storages hold their connections


def hold_connections(instance: dg.DagsterInstance | None) -> None:
    """Let ``instance``'s Postgres storages keep their connections open (see the module's docstring); nothing for
    an instance on SQLite or in memory, nor for one already holding them."""
    if instance is None or instance in _holding:
        return
    instance.optimize_for_webserver(
        statement_timeout=NO_STATEMENT_TIMEOUT, pool_recycle=POOL_RECYCLE_SECONDS, max_overflow=POOL_OVERFLOW
    )
    _holding.add(instance)


def _relaxed_sync(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class LocalEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log with one engine (and its pool of connections) per database and
    ``synchronous = NORMAL``.

    ``base_dir`` defaults to ``$DAGSTER_HOME/storage``, where Dagster's default event log keeps its files."""

    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # used under Dagster's _db_lock
        home = os.environ.get("DAGSTER_HOME", "")
        super().__init__(base_dir or os.path.join(home, "storage"), inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> LocalEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            # a pool of open connections (SQLAlchemy's default for a file); Dagster's opens one per event
            engine = create_engine(
                create_db_conn_string(self._base_dir, shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _relaxed_sync)
        self._engines[shard] = engine
        while len(self._engines) > KEPT_ENGINES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class HeldInMemoryEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event log, storing and reading through the one connection it holds for its life instead of
    a new one per call. That connection belongs to the thread that made the storage (SQLite's rule); a call from
    another thread gets a connection of its own, as Dagster's class gives every call."""

    def __init__(self, inst_data: ConfigurableClassData | None = None, preload=None):
        self._held_thread = threading.get_ident()
        self._tables: dict[str, bool] = {}
        super().__init__(inst_data, preload)
        with self._held_conn.begin():  # what Dagster's class sets on each new connection
            self._held_conn.execute(text("PRAGMA foreign_keys=ON")).close()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        if threading.get_ident() != self._held_thread:
            with super()._connect() as conn:
                yield conn
            return
        with self._db_lock, self._held_conn.begin():
            yield self._held_conn

    def has_table(self, table_name: str) -> bool:
        """Asked for every stored materialization (on a connection of its own): its tables are made with it and
        never dropped, so each answer is kept."""
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]


def ephemeral_instance() -> dg.DagsterInstance:
    """``DagsterInstance.ephemeral()`` (in-memory runs and events, nothing kept) with the event log of
    ``HeldInMemoryEventLogStorage``: the instance of a run when no ``DAGSTER_HOME`` is set."""
    return dg.DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=InMemoryRunStorage(),
        event_storage=HeldInMemoryEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )


def run_instance() -> dg.DagsterInstance:
    """The instance a run of this process records into: ``$DAGSTER_HOME``'s when it is set (``make run``, the UI),
    else ``ephemeral_instance()``."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else ephemeral_instance()
