"""Quality marts the dashboards read (group "quality"): checks passed and failed per table and day, quarantined
rows per source, and findings per control, severity and department. Views over meta.check_results,
meta.load_manifest, quarantine.* and the findings marts; see views.py for why they are views."""

import dagster as dg
import duckdb

from assets.catalog import catalogued
from assets.ingest.manifest import ensure_schemas
from assets.quality.history import ensure_check_results
from assets.quality.views import CHECK_DAILY, FINDINGS_TABLES, findings_view, quarantine_view
from assets.sqlmodels import table_spec, tables_asset
from pipelines.db import schema_tables
from pipelines.discovery import asset_graph

GROUP = "quality"
OWNERS = ["team:back-office-data"]


def findings_assets() -> list[dg.AssetKey]:
    """The findings marts that some other module of ``assets`` defines (this summary waits for them)."""
    wanted = {dg.AssetKey(["marts", t]) for t in FINDINGS_TABLES}
    found = set(asset_graph(skip=__package__)) & wanted
    return sorted(found, key=lambda k: k.path)


def build_quality_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create the three views from what exists now; returns their names."""
    ensure_schemas(con)
    ensure_check_results(con)
    con.execute(CHECK_DAILY)
    con.execute(quarantine_view(schema_tables(con, "quarantine")))
    marts = set(schema_tables(con, "marts"))
    con.execute(findings_view([t for t in FINDINGS_TABLES if t in marts]))
    return ["marts.quality_check_daily", "marts.quality_quarantine_by_source", "marts.quality_findings_summary"]


def view_spec(table: str, description: str, **more) -> dg.AssetSpec:
    return table_spec(table, group_name=GROUP, owners=OWNERS, description=description, **more)


def quality_marts_asset() -> dg.AssetsDefinition:
    """The three quality views, as one asset; the findings summary waits for the findings marts defined now."""

    @tables_asset(
        [
            view_spec(
                "marts.quality_check_daily",
                "Checks passed and failed per table and day (each check's last result of the day), from "
                "meta.check_results. Grain: one row per day and table.",
            ),
            view_spec(
                "marts.quality_quarantine_by_source",
                "Files, rows read, staged and quarantined, and the quarantine rules per source. "
                "Grain: one row per source (contract).",
            ),
            view_spec(
                "marts.quality_findings_summary",
                "Control and compliance findings and amount at risk per control, severity and department (empty "
                "until the findings marts exist). Grain: one row per findings table, control code, severity and "
                "department.",
                deps=findings_assets(),
            ),
        ]
    )
    def quality_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
        """Create the quality views the dashboards read."""
        return build_quality_views(con)

    return quality_marts


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued([quality_marts_asset()]))
