"""Finance assets: the mapping tables and parameters of ``config/`` and the SQL models of ``sql/`` (core ledger,
invoices, bank, budgets; marts for reconciliations)."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.catalog import catalogued
from assets.finance.config import MAPPINGS, PARAMETERS_TABLE, write_finance_config
from assets.metadata import table_metadata
from assets.sqlmodels import model_assets

GROUP = "finance"
OWNERS = ["team:finance-data"]
SQL_DIR = Path(__file__).parent / "sql"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=dg.AssetKey(m.table.split(".")),
            group_name=GROUP,
            kinds={"duckdb", "csv"},
            owners=OWNERS,
            description=f"{m.description} Source: assets/finance/config/{m.file}.",
        )
        for m in MAPPINGS
    ]
    + [
        dg.AssetSpec(
            key=dg.AssetKey(PARAMETERS_TABLE.split(".")),
            group_name=GROUP,
            kinds={"duckdb", "yaml"},
            owners=OWNERS,
            description="Finance parameters (match windows, ageing, tolerances). Grain: one row. "
            "Source: assets/finance/config/parameters.yaml.",
        )
    ],
    can_subset=False,
)
def finance_config(duckdb: DuckDBResource):
    """Load the finance mapping files and parameters."""
    with duckdb.get_connection() as con:
        results = [
            dg.MaterializeResult(asset_key=dg.AssetKey(t.split(".")), metadata=table_metadata(con, t))
            for t in write_finance_config(con)
        ]
    yield from results


def finance_assets() -> list:
    return [finance_config, *model_assets(SQL_DIR, "core", GROUP, OWNERS)]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(finance_assets()))
