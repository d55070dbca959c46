"""The bare run (benchmarks/bare.py) is the limit the nightly job is measured against, so it must not pay what the
job does not: the job sets its warehouse resource up once per run, and so must the bare run. Called one by one,
assets set their resource up and tear it down around each call, which closed the warehouse after every asset
(reopened and checkpointed each time: about a third of a small company's bare run)."""

from __future__ import annotations

import dagster as dg

from benchmarks.bare import run_assets_directly
from pipelines import resources
from pipelines.jobs import NIGHTLY_JOB
from pipelines.resources import WarehouseResource


def test_the_warehouse_stays_open_from_the_first_asset_to_the_last(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    seen: list[bool] = []

    @dg.asset
    def first(duckdb: WarehouseResource) -> None:
        with duckdb.get_connection() as con:
            con.execute("create table t as select 1 as x")

    @dg.asset(deps=[first])
    def second(duckdb: WarehouseResource) -> None:
        seen.append(database in resources._anchors)  # the anchor the first asset opened
        with duckdb.get_connection() as con:
            seen.append(con.execute("select x from t").fetchone() == (1,))

    run_lock = str(tmp_path / "warehouse.duckdb.run.lock")
    resource = WarehouseResource(database=database, run_lock_path=run_lock)
    defs = dg.Definitions(
        assets=[first, second],
        jobs=[dg.define_asset_job(NIGHTLY_JOB, selection=[first, second])],
        resources={"duckdb": resource},
    )
    seconds = run_assets_directly(defs, resource)
    assert sorted(seconds) == ["first", "second"]
    assert seen == [True, True]
    assert database not in resources._anchors  # released once, at the end
