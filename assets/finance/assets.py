"""Finance assets: the mapping tables and parameters of ``config/`` and the SQL models of ``sql/`` (core ledger,
invoices, bank, budgets; marts for reconciliations)."""

from pathlib import Path

import dagster as dg
import duckdb

from assets.catalog import catalogued
from assets.finance.config import MAPPINGS, PARAMETERS_TABLE, write_finance_config
from assets.sqlmodels import model_assets, table_spec, tables_asset

GROUP = "finance"
OWNERS = ["team:finance-data"]
SQL_DIR = Path(__file__).parent / "sql"


@tables_asset(
    [
        table_spec(
            m.table,
            group_name=GROUP,
            kinds=("duckdb", "csv"),
            owners=OWNERS,
            description=f"{m.description} Source: assets/finance/config/{m.file}.",
        )
        for m in MAPPINGS
    ]
    + [
        table_spec(
            PARAMETERS_TABLE,
            group_name=GROUP,
            kinds=("duckdb", "yaml"),
            owners=OWNERS,
            description="Finance parameters (match windows, ageing, tolerances). Grain: one row. "
            "Source: assets/finance/config/parameters.yaml.",
        )
    ]
)
def finance_config(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load the finance mapping files and parameters."""
    return write_finance_config(con)


def finance_assets() -> list:
    return [finance_config, *model_assets(SQL_DIR, "core", GROUP, OWNERS)]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(finance_assets()))
