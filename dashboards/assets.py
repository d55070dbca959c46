"""Dashboard assets: pages rendered inside the nightly run from the marts, published under data/reports."""

import datetime as dt

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.kpi.assets import KPI_VALUES
from dashboards.workforce import render_workforce
from pipelines.settings import get_settings


@dg.asset(
    key=dg.AssetKey(["reports", "workforce"]),
    deps=[KPI_VALUES, dg.AssetKey(["staging", "stg_hris__departments"])],
    group_name="dashboards",
    kinds={"plotly", "html"},
    owners=["team:performance"],
    description="Workforce page (headcount and turnover, company and departments). Grain: one HTML page.",
)
def workforce_page(duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = get_settings()
    with duckdb.get_connection() as con:
        last_load = con.execute(
            "select max(loaded_at) from meta.load_manifest where status = 'loaded'"
        ).fetchall()[0][0]
        freshness = f"data as of {last_load:%Y-%m-%d %H:%M}" if last_load else "no data loaded yet"
        page = render_workforce(con, settings, freshness)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(page)),
            "size_bytes": page.stat().st_size,
            "rendered_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
    )


def dashboard_assets() -> list:
    return [workforce_page]


defs = dg.Definitions(assets=dashboard_assets())
