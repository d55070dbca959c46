"""Onboarding reports on the real public ledger and spend sets (contracts/realdata): spend by account category and
by supplier (from the canonical tables the contracts map into, in the reporting currency), and each Lambeth
monthly file's Grand Total reconciled with its supplier rows (from the contract's staged and quarantined rows, in
GBP: a source file checked against itself).

``build_onboarding_reports(con)`` runs the SQL models of this folder whose inputs exist, in dependency order;
``python -m assets.finance.onboarding.report <warehouse.duckdb>`` does it on a warehouse the realdata contracts
were loaded into (by the nightly job, or as tests/integration/test_realdata.py does) and prints the Grand Total
check.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.sqlmodels import load_models, run_model
from pipelines.db import table_exists
from pipelines.settings import Settings

SQL_DIR = Path(__file__).parent


def build_onboarding_reports(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> list[str]:
    """Build every report whose inputs are loaded; return the tables built."""
    settings = settings or Settings()
    built = []
    for model in load_models(SQL_DIR, "marts"):
        if all(table_exists(con, f"{schema}.{name}") for schema, name in model.upstream):
            run_model(con, model, settings)
            built.append(model.table)
    return built
