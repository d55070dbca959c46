"""Core HR model: calendar, reporting window and employee history, as SQL models in ``sql/``."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.catalog import catalogued
from assets.sqlmodels import model_assets


def hr_assets() -> list:
    return model_assets(Path(__file__).parent / "sql", "core", "hr", ["team:hr-data"])


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(hr_assets()))
