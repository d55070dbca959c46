"""Onboarding reports on the real public ledger and spend sets (contracts/realdata): spend by account category and
by supplier, and each Lambeth monthly file's Grand Total reconciled with its supplier rows.

``build_onboarding_reports(con)`` runs the SQL models of this folder whose staging inputs exist, in dependency
order; ``python -m assets.finance.onboarding.report <warehouse.duckdb>`` does it on a warehouse the realdata contracts
were loaded into and prints the Grand Total check.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.settings import Settings
from pipelines.sqlmodels import load_models, run_model

SQL_DIR = Path(__file__).parent


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, name]
    ).fetchall()[0][0])  # fmt: skip


def build_onboarding_reports(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> list[str]:
    """Build every report whose inputs are loaded; return the tables built."""
    settings = settings or Settings()
    built = []
    for model in load_models(SQL_DIR, "marts"):
        if all(_exists(con, schema, name) for schema, name in model.upstream):
            run_model(con, model, settings)
            built.append(model.table)
    return built
