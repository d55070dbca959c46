"""IT support for the front office: service-desk events into tickets with SLA clocks (SQL models in ``sql/``),
and the SLA targets and staffed hours they are measured against (``sla_targets.csv``, ``business_hours.csv``),
loaded as ``reference.sla_targets`` and ``reference.business_hours``."""

from pathlib import Path

import dagster as dg
import duckdb

from assets.catalog import catalogued
from assets.reference.assets import load_csv_table
from assets.sqlmodels import model_assets, table_spec, tables_asset

HERE = Path(__file__).parent
GROUP = "support"
OWNERS = ["team:it-support"]
REFERENCE = {
    "sla_targets": "Response and resolution targets per priority, in calendar or business hours, effective-dated. "
    "Grain: one row per priority and period.",
    "business_hours": "The service desk's staffed hours on working days, effective-dated. Grain: one row per period.",
}
TYPES = {"effective_from": "DATE", "effective_to": "DATE", "priority": "VARCHAR", "day_start": "VARCHAR",
         "day_end": "VARCHAR"}  # fmt: skip


@tables_asset(
    [
        table_spec(
            f"reference.{name}",
            group_name=GROUP,
            kinds=("duckdb", "csv"),
            owners=OWNERS,
            description=f"{text} Source: assets/support/{name}.csv.",
        )
        for name, text in REFERENCE.items()
    ]
)
def support_reference(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load the SLA targets and the staffed hours."""
    return [write_support_reference(con, name) for name in REFERENCE]


def write_support_reference(con, name: str) -> str:
    return load_csv_table(con, f"reference.{name}", HERE / f"{name}.csv", TYPES)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued([support_reference, *model_assets(HERE / "sql", "core", GROUP, OWNERS)]))
