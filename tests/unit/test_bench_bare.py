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


@dg.asset
def first(duckdb: WarehouseResource) -> None:
    with duckdb.get_connection() as con:
        con.execute("create or replace table t as select 1 as x")


def _nightly(tmp_path, *assets) -> tuple[dg.Definitions, WarehouseResource]:
    """A nightly job of ``assets`` on a warehouse in tmp_path, and its resource."""
    resource = WarehouseResource(
        database=str(tmp_path / "warehouse.duckdb"), run_lock_path=str(tmp_path / "warehouse.duckdb.run.lock")
    )
    job = dg.define_asset_job(NIGHTLY_JOB, selection=list(assets))
    return dg.Definitions(assets=list(assets), jobs=[job], resources={"duckdb": resource}), resource


def test_the_warehouse_stays_open_from_the_first_asset_to_the_last(tmp_path):
    seen: list[bool] = []

    @dg.asset(deps=[first])
    def second(duckdb: WarehouseResource) -> None:
        seen.append(duckdb.database in resources._anchors)  # the anchor the first asset opened
        with duckdb.get_connection() as con:
            seen.append(con.execute("select x from t").fetchone() == (1,))

    defs, resource = _nightly(tmp_path, first, second)
    seconds = run_assets_directly(defs, resource)
    assert sorted(seconds) == ["first", "second"]
    assert seen == [True, True]
    assert resource.database not in resources._anchors  # released once, at the end


def test_the_pages_run_last_in_a_dagster_run_of_their_own(tmp_path):
    """A page asset names its build after the Dagster run, so it cannot be called bare: the bare night runs the
    pages in one run after every other asset (left out, they counted as the job's overhead), and the rebuild,
    which compares tables only, leaves them out."""
    runs: list[str] = []

    @dg.asset(key=["reports", "page"], deps=[first])
    def page(context, duckdb: WarehouseResource) -> None:
        runs.append(context.run.run_id)
        with duckdb.get_connection() as con:
            assert con.execute("select x from t").fetchone() == (1,)

    defs, resource = _nightly(tmp_path, first, page)
    seconds = run_assets_directly(defs, resource)
    assert list(seconds) == ["first", "reports__page"]  # the page last, timed as the job's step
    assert len(runs) == 1 and runs[0]
    assert list(run_assets_directly(defs, resource, pages=False)) == ["first"]
    assert len(runs) == 1
