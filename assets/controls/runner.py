"""Running the control models so that a missing input is reported, not fatal.

Each SQL model of ``sql/`` is run by ``assets.sqlmodels.run_model`` once every table it reads exists, with the
macros the control SQL shares (``macros.py``) defined on the connection. When one is missing, a findings family
(``int_findings__*``) is replaced by an empty findings table (so the union still builds) and any other model is
dropped (so what reads it sees it missing too). ``core.control_input_status`` records, per rule of the registry,
whether each input table exists and how many rows it has; the findings union turns a missing or empty input into an
``input_missing`` finding instead of silently reporting no exceptions.
"""

from __future__ import annotations

import duckdb

from assets.canonical.needs import needs_of, write_computability
from assets.controls.macros import create_macros
from assets.controls.registry import SQL_DIR, load_registry, write_control_config
from assets.sqlmodels import SqlModel, load_models, run_model
from pipelines.db import insert_rows, scalar, table_exists
from pipelines.settings import Settings

FAMILY_PREFIX = "int_findings__"
INPUT_STATUS_TABLE = "core.control_input_status"
FINDINGS_COLUMNS = (
    ("finding_id", "varchar"),
    ("control_code", "varchar"),
    ("severity", "varchar"),
    ("entity", "varchar"),
    ("entity_key", "varchar"),
    ("period", "date"),
    ("department_id", "varchar"),
    ("amount_at_risk_idr", "bigint"),
    ("description", "varchar"),
    ("evidence", "varchar"),
)


def control_models() -> list[SqlModel]:
    return load_models(SQL_DIR, "core")


def missing_inputs(con: duckdb.DuckDBPyConnection, model: SqlModel) -> list[str]:
    return [f"{s}.{t}" for s, t in model.upstream if not table_exists(con, f"{s}.{t}")]


def run_control_model(con: duckdb.DuckDBPyConnection, model: SqlModel, settings: Settings) -> list[str]:
    """Build the model, or stand in for it when an input is missing; returns the missing inputs."""
    missing = missing_inputs(con, model)
    if not missing:
        create_macros(con)
        run_model(con, model, settings)
        return []
    con.execute(f"create schema if not exists {model.schema}")
    if model.name.startswith(FAMILY_PREFIX):
        columns = ", ".join(f"{name} {kind}" for name, kind in FINDINGS_COLUMNS)
        con.execute(f"create or replace table {model.table} ({columns})")
    else:
        con.execute(f"drop table if exists {model.table}")
    return missing


def write_input_status(con: duckdb.DuckDBPyConnection) -> None:
    """One row per rule and input table: does it exist, how many rows; is_optional for a rule over a source many
    companies lack (its empty input is expected, not a gap)."""
    rows = []
    for rule in load_registry():
        for table in rule.inputs:
            present = table_exists(con, table)
            n_rows = int(scalar(con, f"select count(*) from {table}")) if present else None
            rows.append([rule.code, rule.kind, table, present, n_rows, rule.optional])
    con.execute("create schema if not exists core")
    con.execute(
        f"create or replace table {INPUT_STATUS_TABLE} (control_code varchar, kind varchar, input_table varchar, "
        "is_present boolean, n_rows bigint, is_optional boolean)"
    )
    insert_rows(con, f"insert into {INPUT_STATUS_TABLE} values (?, ?, ?, ?, ?, ?)", rows)


def ordered(models: list[SqlModel]) -> list[SqlModel]:
    """Models in dependency order (each after the control models it reads)."""
    by_table = {m.table: m for m in models}
    done: list[SqlModel] = []
    seen: set[str] = set()

    def visit(model: SqlModel) -> None:
        if model.table in seen:
            return
        seen.add(model.table)
        for schema, name in model.upstream:
            upstream = by_table.get(f"{schema}.{name}")
            if upstream is not None:
                visit(upstream)
        done.append(model)

    for model in models:
        visit(model)
    return done


def rule_needs() -> dict[str, list[str]]:
    """Every rule's needs: those of its input tables (assets/canonical/needs.py) and its registry entry's own."""
    return {r.code: sorted(set().union(*(needs_of(t) for t in r.inputs)) | set(r.needs)) for r in load_registry()}


def write_rule_computability(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``marts.rule_computability``; returns the rules the loaded data can run."""
    return write_computability(con, "rule_computability", "rule_code", rule_needs())


def build_controls(con: duckdb.DuckDBPyConnection, settings: Settings, names: list[str] | None = None) -> None:
    """Everything the Dagster assets of this package do, in one call (tests, the evaluation script).

    ``names`` limits the run to those models (plus the configuration and the input status)."""
    write_control_config(con)
    write_input_status(con)
    write_rule_computability(con)
    for model in ordered(control_models()):
        if names is None or model.name in names:
            run_control_model(con, model, settings)
