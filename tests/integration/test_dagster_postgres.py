"""A run on the server profile's Dagster storage (deploy/server/dagster.yaml: runs, events and schedules in
Postgres) keeps its connections open. Dagster's Postgres storages open a new connection for every statement, so
a night of a 20-employee company opened about 10,700 (24 s of its own time, and a server process forked for
each); a run now holds one per storage (pipelines/dagster_storage.hold_connections, which the nightly CLI calls
before its run and the warehouse resource when it is set up: tests/unit/test_dagster_storage.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from pipelines import dagster_storage
from pipelines.postgres import postgres_available, temporary_postgres
from pipelines.resources import WarehouseResource

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not postgres_available(), reason="needs Debian's postgresql package (make postgres-deps)"),
]
ROOT = Path(__file__).resolve().parents[2]
CHECKS = 30


@dg.asset
def payslips(duckdb: WarehouseResource) -> None:
    with duckdb.get_connection() as con:
        con.execute("create or replace table payslips as select range as id from range(10)")


@dg.multi_asset_check(specs=[dg.AssetCheckSpec(f"rule_{i}", asset=payslips) for i in range(CHECKS)])
def payslip_rules(duckdb: WarehouseResource):
    with duckdb.get_connection() as con:
        rows = con.execute("select count(*) from payslips").fetchone()[0]
    for i in range(CHECKS):
        yield dg.AssetCheckResult(asset_key=payslips.key, check_name=f"rule_{i}", passed=rows == 10)


def _connections_of_a_run(tmp_path: Path, monkeypatch, name: str, hold: bool) -> int:
    """Connections opened to Postgres while a fresh instance of the server profile runs the job once (``hold``:
    after ``hold_connections``, as ``kinerja run`` does)."""
    opened = []
    connect = psycopg2.connect

    def counting(*args, **kwargs):
        opened.append(1)
        return connect(*args, **kwargs)

    home = tmp_path / name
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "server" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    resource = WarehouseResource(database=str(tmp_path / f"{name}.duckdb"))
    job = dg.Definitions(
        assets=[payslips],
        asset_checks=[payslip_rules],
        jobs=[dg.define_asset_job("night", selection=[payslips])],
        resources={"duckdb": resource},
    ).resolve_job_def("night")
    with dg.DagsterInstance.get() as instance:
        if hold:
            dagster_storage.hold_connections(instance)
        monkeypatch.setattr(psycopg2, "connect", counting)
        result = job.execute_in_process(instance=instance)
        monkeypatch.setattr(psycopg2, "connect", connect)
        assert result.success
        evaluations = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(payslips.key, f"rule_{i}") for i in range(CHECKS)]
        )
        assert len(evaluations) == CHECKS  # every evaluation stored
    return len(opened)


def test_a_run_on_postgres_storage_opens_a_few_connections_not_one_per_statement(tmp_path, monkeypatch):
    with temporary_postgres() as pg:
        for key, value in pg.environ().items():
            monkeypatch.setenv(key, value)
        with monkeypatch.context() as unpooled:  # what Dagster does alone: a connection per statement
            unpooled.setattr("pipelines.resources.hold_connections", lambda instance: None)
            one_per_statement = _connections_of_a_run(tmp_path, monkeypatch, "unpooled", hold=False)
        held = _connections_of_a_run(tmp_path, monkeypatch, "held", hold=True)  # the resource holds them again
    assert one_per_statement > 5 * CHECKS, one_per_statement
    assert held <= 10, held
