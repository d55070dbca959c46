"""Canonical entities as assets: ``canonical.<entity>`` for every entity of the catalog, whatever the sources.

An entity no contract maps into is an empty table with every canonical column, so core models always run and
the KPIs and rules that need it say "not computable" instead of failing. ``marts.canonical_coverage`` counts
the filled values of every canonical column after all entities are built.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from assets.canonical.build import build_canonical, build_coverage
from assets.canonical.catalog import CanonicalEntity, load_catalog, rates_files
from assets.catalog import catalogued
from assets.ingest.assets import contract_paths, staging_key, usable_contract
from assets.ingest.contracts import Contract
from assets.sqlmodels import table_asset
from pipelines.settings import get_settings

RATES_KEY = dg.AssetKey(["reference", "exchange_rates"])


def mapped_contracts() -> dict[str, list[tuple[Path, Contract]]]:
    """Valid contracts by the entity they map into; an invalid one fails its own staging asset, and no entity
    waits for it, so the rest of the night goes on."""
    found: dict[str, list[tuple[Path, Contract]]] = {}
    for path in contract_paths():
        contract, _ = usable_contract(path)
        if contract is not None and contract.maps_to:
            found.setdefault(contract.maps_to, []).append((path, contract))
    return found


@table_asset(
    "reference.exchange_rates",
    deps=[],
    group_name="reference",
    kinds=("duckdb", "csv"),
    owners=["team:finance-data"],
    description="Exchange rates into the reporting currency, effective-dated: the shipped table plus the "
    "company's exchange_rates.csv beside its contracts. Grain: one row per currency pair and period.",
)
def exchange_rates(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists reference")
    con.execute(
        "create or replace table reference.exchange_rates as "
        "select from_currency, to_currency, rate, effective_from, effective_to, source "
        "from read_csv(?, header = true, union_by_name = true, types = {'rate': 'DECIMAL(18,8)', "
        "'effective_from': 'DATE', 'effective_to': 'DATE'}) order by all",
        [[str(p) for p in rates_files()]],
    )


def canonical_asset(entity: CanonicalEntity, sources: list[tuple[Path, Contract]]) -> dg.AssetsDefinition:
    names = ", ".join(c.name for _, c in sources) or "none yet: the table is empty"
    deps = [staging_key(path) for path, _ in sources]
    if entity.money_columns():
        deps.append(RATES_KEY)

    @table_asset(
        entity.table,
        deps=deps,
        group_name="canonical",
        owners=["team:back-office-data"],
        description=f"{entity.description} Canonical entity; sources: {names}. Grain: {entity.grain}.",
        mask=frozenset(name for name, column in entity.columns.items() if column.personal),
        metadata={"entity": entity.name, "sources": [c.name for _, c in sources]},
    )
    def _canonical(con: duckdb.DuckDBPyConnection) -> dict:
        counts = build_canonical(con, entity, [contract for _, contract in sources], get_settings().currency)
        return {f"rows_from/{c.contract}": c.rows_mapped for c in counts}

    return _canonical


def canonical_coverage_asset() -> dg.AssetsDefinition:
    """marts.canonical_coverage, after every canonical entity of the catalog."""

    @table_asset(
        "marts.canonical_coverage",
        deps=[dg.AssetKey(["canonical", name]) for name in load_catalog()],
        group_name="canonical",
        owners=["team:back-office-data"],
        description="How many rows fill each canonical column, and from which sources; a column no row fills makes "
        "the KPIs and rules that need it not computable. Grain: one row per canonical entity and column.",
    )
    def canonical_coverage(con: duckdb.DuckDBPyConnection) -> None:
        build_coverage(con, load_catalog())

    return canonical_coverage


def canonical_assets() -> list:
    sources = mapped_contracts()
    entities = [canonical_asset(entity, sources.get(name, [])) for name, entity in load_catalog().items()]
    return [exchange_rates, *entities, canonical_coverage_asset()]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(canonical_assets()))
