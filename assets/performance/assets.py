"""Performance marts: KPIs against their agreed targets (``marts.scorecard``), as SQL models in ``sql/``."""

import dataclasses
from pathlib import Path

import dagster as dg

from assets.catalog import catalogued
from assets.sqlmodels import load_models, model_asset

OWNERS = ["team:performance"]
# marts.kpi_registry is written by the marts.kpi_values asset in the same step, so it is no asset of its own:
# depending on kpi_values is what orders the scorecard after both.
WRITTEN_WITH_KPI_VALUES = (("marts", "kpi_registry"),)


def performance_assets() -> list:
    models = load_models(Path(__file__).parent / "sql", "marts")
    return [
        model_asset(
            dataclasses.replace(m, upstream=tuple(r for r in m.upstream if r not in WRITTEN_WITH_KPI_VALUES)),
            "performance",
            OWNERS,
        )
        for m in models
    ]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(performance_assets()))
