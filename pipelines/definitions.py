"""The Kinerja code location: merges what the domain modules define; the executor is set here, once."""

from __future__ import annotations

import dagster as dg

from assets.hr.assets import hr_assets
from assets.ingest.assets import staging_assets
from assets.kpi.assets import kpi_assets
from assets.reference.assets import reference_tables
from checks.hr import validity_staged_employees
from checks.ingest import ingest_checks
from dashboards.assets import dashboard_assets
from pipelines.jobs import build_landing_sensor, build_schedule, nightly_refresh
from pipelines.resources import warehouse_resource
from pipelines.settings import get_settings


def build_definitions() -> dg.Definitions:
    settings = get_settings()
    return dg.Definitions(
        assets=[*staging_assets(), reference_tables, *hr_assets(), *kpi_assets(), *dashboard_assets()],
        asset_checks=[*ingest_checks(), validity_staged_employees],
        jobs=[nightly_refresh],
        schedules=[build_schedule(settings)],
        sensors=[build_landing_sensor(settings)],
        resources={"duckdb": warehouse_resource(settings)},
        # DuckDB has one writer: every step runs in this process, in dependency order.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
