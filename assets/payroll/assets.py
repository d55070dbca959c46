"""Payroll models: the component catalogue, payslip lines, the wide payslip and the payroll recalculation.

Each ``sql/*.sql`` file is one warehouse table (``core`` unless its header says ``-- schema: marts``).
"""

from pathlib import Path

import dagster as dg

from assets.catalog import catalogued
from assets.sqlmodels import model_assets


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=catalogued(model_assets(Path(__file__).parent / "sql", "core", "payroll", ["team:payroll"]))
    )
