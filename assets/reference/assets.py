"""Country rules as versioned reference data: every CSV in ``assets/reference/data`` becomes ``reference.<name>``.

Only the rows of the settings' country profile are loaded, so SQL downstream never filters on a country code.
"""

from pathlib import Path

import dagster as dg
import duckdb

from assets.catalog import catalogued
from assets.sqlmodels import table_spec, tables_asset
from pipelines.settings import get_settings

DATA_DIR = Path(__file__).parent / "data"
EXCLUDED = {"sources"}
# Columns whose type must not be left to the sniffer (money with decimals, dates, codes with leading zeros).
COLUMN_TYPES = {
    "effective_from": "DATE",
    "effective_to": "DATE",
    "holiday_date": "DATE",
    "min_wage_idr": "DECIMAL(14,2)",
    "value": "VARCHAR",
    "region_code": "VARCHAR",
    "ptkp_status": "VARCHAR",
}


def reference_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.glob("*.csv") if p.stem not in EXCLUDED)


def load_csv_table(con, table: str, path: Path, types: dict[str, str], where: str = "true", params=()) -> str:
    """A reference CSV as ``table``: the given types for the columns it has, the rest sniffed, rows in order."""
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(
        f"create or replace table {table} as select * from read_csv(?, header = true, types = ?) "
        f"where {where} order by all",
        [str(path), {c: t for c, t in types.items() if c in header}, *params],
    )
    return table


def load_reference_table(con, path: Path, country: str) -> str:
    return load_csv_table(con, f"reference.{path.stem}", path, COLUMN_TYPES, "country = ?", [country])


def reference_tables_asset() -> dg.AssetsDefinition:
    """The country profile's reference tables, one asset each, loaded by one step."""

    @tables_asset(
        [
            table_spec(
                f"reference.{path.stem}",
                group_name="reference",
                kinds=("duckdb", "csv"),
                owners=["team:payroll"],
                description=f"Reference table {path.stem} (versioned by effective dates). Source: {path.name}.",
            )
            for path in reference_files()
        ]
    )
    def reference_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
        """Load the country profile's tax, social security, wage, overtime and holiday tables."""
        country = get_settings().country
        return [load_reference_table(con, path, country) for path in reference_files()]

    return reference_tables


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued([reference_tables_asset()]))
