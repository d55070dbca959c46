"""``table_asset`` (assets/sqlmodels.py), the one way a warehouse table is declared: the key is the table's name,
the build runs on the step's connection, and the table's own metadata comes first, then what the build returns."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.sqlmodels import table_asset


def materialize(asset, tmp_path):
    resource = DuckDBResource(database=str(tmp_path / "w.duckdb"))
    result = dg.materialize([asset], resources={"duckdb": resource})
    (event,) = result.get_asset_materialization_events()
    return event.materialization.metadata


def test_the_key_is_the_table_and_its_metadata_comes_with_what_the_build_adds(tmp_path):
    @table_asset(
        "marts.tiny",
        deps=[dg.AssetKey(["core", "upstream"])],
        group_name="demo",
        owners=["team:demo"],
        description="Two rows.",
        mask=frozenset({"secret"}),
    )
    def tiny(con: duckdb.DuckDBPyConnection) -> dict:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.tiny as select * from (values (1, 'a'), (2, 'b')) t(id, secret) order by id"
        )
        return {"built_by": "test"}

    assert tiny.key == dg.AssetKey(["marts", "tiny"])
    assert tiny.asset_deps[tiny.key] == {dg.AssetKey(["core", "upstream"])}
    assert set(tiny.specs_by_key[tiny.key].kinds) == {"duckdb", "sql"}
    metadata = materialize(tiny, tmp_path)
    assert metadata["dagster/row_count"].value == 2
    assert metadata["built_by"].value == "test"
    assert list(metadata)[-1] == "built_by"
    preview = metadata["preview"].value
    assert "| 1 | ••• |" in preview  # the masked column is named, its values are not shown
    assert "| a |" not in preview


def test_a_build_that_leaves_no_table_gets_only_its_own_metadata(tmp_path):
    @table_asset("marts.absent", deps=[], group_name="demo", owners=["team:demo"], description="Stands in.")
    def absent(con: duckdb.DuckDBPyConnection) -> dict:
        return {"missing_inputs": ["core.nothing"]}

    metadata = materialize(absent, tmp_path)
    assert "dagster/row_count" not in metadata
    assert metadata["missing_inputs"].value == ["core.nothing"]
