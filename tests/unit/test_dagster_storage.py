"""The local instance's event log (pipelines/dagster_storage.py, named by config/dagster.yaml): a run's events,
materializations and check evaluations are stored where Dagster's own SQLite event log reads them, on connections
that do not wait for the disk, with a bounded number of engines. The ephemeral instance of a run without
``DAGSTER_HOME`` stores its events through the connection its in-memory event log holds."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from sqlalchemy import text

from pipelines import dagster_storage, resources
from pipelines.dagster_storage import HeldInMemoryEventLogStorage, LocalEventLogStorage, ephemeral_instance
from pipelines.resources import WarehouseResource

ROOT = Path(__file__).resolve().parents[2]


@dg.asset
def headcount() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=headcount)
def headcount_is_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_the_local_instance_stores_a_runs_events_where_dagster_reads_them(instance):
    assert isinstance(instance.event_log_storage, LocalEventLogStorage)
    result = dg.materialize([headcount, headcount_is_positive], instance=instance)
    assert result.success
    key = dg.AssetKey("headcount")
    materialization = instance.get_latest_materialization_event(key)
    assert materialization is not None and materialization.run_id == result.run_id
    types = {e.dagster_event.event_type for e in instance.all_logs(result.run_id) if e.is_dagster_event}
    stored = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    assert stored | {dg.DagsterEventType.RUN_SUCCESS} <= types
    # the files are Dagster's: its own SQLite event log, in the same folder, reads the same run
    base = Path(instance.root_directory) / "storage"
    plain = SqliteEventLogStorage(str(base))
    assert plain.get_latest_materialization_events([key])[key].run_id == result.run_id
    assert len(plain.get_logs_for_run(result.run_id)) == len(instance.all_logs(result.run_id))


def test_connections_commit_without_waiting_for_the_disk(instance):
    storage = instance.event_log_storage
    with storage.index_connection() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(text("pragma synchronous")).scalar() == 1  # NORMAL (FULL is 2)


def test_engines_are_kept_for_the_databases_used_last(instance):
    storage = instance.event_log_storage
    engines = [storage._engine(f"run-{i}") for i in range(dagster_storage.KEPT_ENGINES + 3)]
    assert len(storage._engines) == dagster_storage.KEPT_ENGINES
    assert storage._engine(f"run-{dagster_storage.KEPT_ENGINES + 2}") is engines[-1]  # kept: the same engine
    assert "run-0" not in storage._engines  # the oldest were disposed


def test_a_run_of_the_warehouse_resource_holds_its_instance_connections(tmp_path, monkeypatch):
    """A run launched by the daemon or the UI never passes through ``kinerja run``: the warehouse resource asks its
    run's instance to hold its Postgres connections (tests/integration/test_dagster_postgres.py counts them)."""
    asked: list[dg.DagsterInstance] = []
    monkeypatch.setattr(resources, "hold_connections", asked.append)

    @dg.asset
    def table(duckdb: WarehouseResource) -> None:
        with duckdb.get_connection() as con:
            con.execute("select 1")

    resource = WarehouseResource(database=str(tmp_path / "warehouse.duckdb"))
    with dg.DagsterInstance.ephemeral() as instance:
        assert dg.materialize([table], instance=instance, resources={"duckdb": resource}).success
    assert asked == [instance]


def test_holding_connections_is_asked_once_per_instance(monkeypatch):
    calls: list[dict] = []
    with dg.DagsterInstance.ephemeral() as instance:
        monkeypatch.setattr(instance, "optimize_for_webserver", lambda **kwargs: calls.append(kwargs))
        dagster_storage.hold_connections(instance)
        dagster_storage.hold_connections(instance)
        dagster_storage.hold_connections(None)
    assert calls == [{"statement_timeout": 0, "pool_recycle": 3600, "max_overflow": 20}]


def _stored_types(instance: dg.DagsterInstance, run_id: str) -> set:
    return {e.dagster_event.event_type for e in instance.all_logs(run_id) if e.is_dagster_event}


def test_the_ephemeral_instance_stores_every_event_on_the_connection_it_holds(monkeypatch):
    with ephemeral_instance() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, HeldInMemoryEventLogStorage) and instance.is_ephemeral
        opened: list[int] = []
        connect = storage._engine.connect
        monkeypatch.setattr(storage._engine, "connect", lambda *a, **k: opened.append(1) or connect(*a, **k))
        dg.materialize([headcount, headcount_is_positive], instance=instance)  # asks once which tables there are
        opened.clear()
        result = dg.materialize([headcount, headcount_is_positive], instance=instance)
        assert result.success
        key = dg.AssetKey("headcount")
        assert instance.get_latest_materialization_event(key).run_id == result.run_id
        stored = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION}
        assert stored | {dg.DagsterEventType.RUN_SUCCESS} <= _stored_types(instance, result.run_id)
        assert opened == []  # Dagster's in-memory event log opens one connection per event and per read
        with storage.index_connection() as conn:
            assert conn.execute(text("pragma foreign_keys")).scalar() == 1  # as Dagster sets on its connections


def test_a_thread_of_its_own_gets_a_connection_of_its_own():
    with ephemeral_instance() as instance:
        first = dg.materialize([headcount], instance=instance)
        found: list = []
        worker = threading.Thread(
            target=lambda: found.append(instance.get_latest_materialization_event(dg.AssetKey("headcount")))
        )
        worker.start()
        worker.join()
        assert found[0] is not None and found[0].run_id == first.run_id
