"""Every SQL model of the project in dependency order, for running them without Dagster."""

from graphlib import TopologicalSorter
from pathlib import Path

from pipelines.sqlmodels import SqlModel, load_models

ROOT = Path(__file__).resolve().parents[1]


def all_models() -> list[SqlModel]:
    models = []
    for folder in sorted(ROOT.glob("assets/*/sql")):
        models.extend(load_models(folder, "core"))
    return models


def all_models_in_order() -> list[SqlModel]:
    by_table = {(m.schema, m.name): m for m in all_models()}
    graph = {key: {dep for dep in m.upstream if dep in by_table} for key, m in by_table.items()}
    return [by_table[key] for key in TopologicalSorter(graph).static_order()]
