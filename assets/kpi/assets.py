"""KPI marts: one SQL model per KPI family, unioned into the long table ``marts.kpi_values`` via the registry."""

import dagster as dg
import duckdb

from assets.canonical.needs import needs_of, write_computability
from assets.catalog import catalogued
from assets.kpi.registry import SQL_DIR, load_registry, registry_models, write_registry_table
from assets.sqlmodels import model_assets, set_variables, table_asset
from pipelines.settings import Settings, get_settings

OWNERS = ["team:performance"]
KPI_VALUES = dg.AssetKey(["marts", "kpi_values"])
KPI_REGISTRY = dg.AssetKey(["marts", "kpi_registry"])
COVERAGE = dg.AssetKey(["marts", "canonical_coverage"])


def kpi_needs() -> dict[str, list[str]]:
    """Every KPI's needs: its model's (assets/canonical/needs.py) and its registry entry's own."""
    return {e.code: sorted(needs_of(f"marts.{e.model}") | set(e.needs)) for e in load_registry()}


def write_kpi_computability(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``marts.kpi_computability``; returns the codes whose needs the loaded data meets."""
    return write_computability(con, "kpi_computability", "kpi_code", kpi_needs())


def write_registry(con: duckdb.DuckDBPyConnection) -> None:
    write_registry_table(con)  # with each KPI's bounds and additivity, which the checks of marts.kpi_values read


def build_kpi_values(con: duckdb.DuckDBPyConnection, settings: Settings, models: list[str] | None = None) -> None:
    """Union the KPI models (all registered ones unless ``models`` names some), keep the registered codes the
    loaded data can compute (``marts.kpi_computability``), and flag groups below the privacy minimum."""
    set_variables(con, settings)
    write_registry(con)
    computable = write_kpi_computability(con)
    con.execute("create or replace temp table _computable as select unnest(?::varchar[]) as kpi_code", [computable])
    unioned = "\n    union all\n    ".join(
        f"select period, department_id, kpi_code, value, numerator, denominator from marts.{m}"
        for m in (models or registry_models())
    )
    con.execute(
        f"""
        create or replace table marts.kpi_values as
        with unioned as (
            {unioned}
        ),
        group_sizes as (
            select period, department_id, value as group_size
            from unioned where kpi_code = 'headcount_avg_daily'
        )
        select
            u.period,
            u.department_id,
            u.kpi_code,
            u.value,
            u.numerator,
            u.denominator,
            r.unit,
            g.group_size,
            coalesce(g.group_size < getvariable('min_group_size'), false) as is_small_group
        from unioned u
        join marts.kpi_registry r on r.code = u.kpi_code
        join _computable c on c.kpi_code = u.kpi_code
        left join group_sizes g using (period, department_id)
        order by u.period, u.department_id, u.kpi_code
        """
    )


def kpi_values_asset() -> dg.AssetsDefinition:
    """marts.kpi_values, after every KPI model the registry names."""

    @table_asset(
        "marts.kpi_values",
        deps=[*(dg.AssetKey(["marts", m]) for m in registry_models()), COVERAGE],
        group_name="kpi",
        owners=OWNERS,
        description="Every registered KPI in long format, with the group size and a small-group flag. "
        "Grain: one row per month, department (or ALL) and KPI code.",
    )
    def kpi_values(con: duckdb.DuckDBPyConnection) -> dict:
        build_kpi_values(con, get_settings())
        codes = [r[0] for r in con.execute("select distinct kpi_code from marts.kpi_values order by 1").fetchall()]
        not_computable = con.execute(
            "select kpi_code || ': ' || reason from marts.kpi_computability where not is_computable order by 1"
        ).fetchall()
        return {"kpi_codes": codes, "not_computable": [r[0] for r in not_computable]}

    return kpi_values


def kpi_assets() -> list:
    return [*model_assets(SQL_DIR, "marts", "kpi", OWNERS), kpi_values_asset()]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(kpi_assets()))
