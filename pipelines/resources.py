"""The one DuckDB resource. The nightly job runs in-process, so this process is the warehouse's only writer."""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from pipelines.settings import Settings


def warehouse_resource(settings: Settings) -> DuckDBResource:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(
        database=str(settings.warehouse_path),
        connection_config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads},
    )
