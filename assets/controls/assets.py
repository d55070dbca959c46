"""Internal-control and compliance assets: the registry tables, the input status, and one SQL model per family.

Each ``sql/int_findings__*.sql`` family writes findings of the registry's rules; ``int_controls__findings`` unions
them with one ``input_missing`` finding per rule whose input is missing or empty, and ``marts.control_findings``
/ ``marts.compliance_findings`` split them by kind. A model whose input table is missing stands in with an empty
findings table instead of failing the run (see ``runner.py``).
"""

import dagster as dg
import duckdb

from assets.catalog import catalogued
from assets.controls.macros import code_version
from assets.controls.registry import (
    BENFORD_BANDS_TABLE,
    PARAMETERS_TABLE,
    REGISTRY_TABLE,
    REVIEW_STATUSES_TABLE,
    load_registry,
    write_control_config,
)
from assets.controls.runner import (
    INPUT_STATUS_TABLE,
    control_models,
    run_control_model,
    write_input_status,
    write_rule_computability,
)
from assets.sqlmodels import SqlModel, model_asset, table_asset, table_spec, tables_asset
from pipelines.settings import Settings

GROUP = "controls"
OWNERS = ["team:internal-audit"]


def key_of(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


CONFIG_DESCRIPTIONS = {
    REGISTRY_TABLE: "Registry of control and compliance rules: code, kind, model, entity, default severity, inputs, "
    "source and threshold parameters. Grain: one row per rule. Source: assets/controls/registry.yaml.",
    PARAMETERS_TABLE: "Thresholds of the control and compliance rules, one column per parameter, read by the "
    "control SQL. Grain: one row. Source: assets/controls/registry.yaml.",
    BENFORD_BANDS_TABLE: "Nigrini's MAD conformity bands for Benford tests. Grain: one row per test. Source: "
    "assets/controls/benford_mad_bands.csv.",
    REVIEW_STATUSES_TABLE: "Review statuses of findings and what each means: still open, closed by a review, closed "
    "as a false positive. Grain: one row per status. Source: assets/controls/review_statuses.csv.",
}


@tables_asset(
    [
        table_spec(t, group_name=GROUP, kinds=("duckdb", "yaml"), owners=OWNERS, description=d)
        for t, d in CONFIG_DESCRIPTIONS.items()
    ]
)
def control_config(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load the registry of controls, its thresholds and the Benford bands."""
    return write_control_config(con)


def control_input_status_asset() -> dg.AssetsDefinition:
    """The input status of the control rules, after every input table the registry names."""

    @table_asset(
        INPUT_STATUS_TABLE,
        deps=sorted({key_of(t) for r in load_registry() for t in r.inputs}, key=lambda k: k.to_user_string()),
        group_name=GROUP,
        kinds=("duckdb", "python"),
        owners=OWNERS,
        description="Whether each input table of each control rule exists and how many rows it has (a missing or "
        "empty input becomes an input_missing finding). Grain: one row per rule and input table.",
    )
    def control_input_status(con: duckdb.DuckDBPyConnection) -> dict:
        write_input_status(con)
        problems = con.execute(
            f"select control_code || ': ' || input_table from {INPUT_STATUS_TABLE} "
            "where (not is_present or n_rows = 0) and not is_optional order by 1"
        ).fetchall()
        return {"missing_or_empty_inputs": [p[0] for p in problems]}

    return control_input_status


@table_asset(
    "marts.rule_computability",
    deps=[dg.AssetKey(["marts", "canonical_coverage"])],
    group_name=GROUP,
    kinds=("duckdb", "python"),
    owners=OWNERS,
    description="Whether the loaded data holds the canonical columns each control and compliance rule needs; a "
    "rule that is not computable reports what it misses as an input_missing finding instead of its findings. "
    "Grain: one row per rule.",
)
def rule_computability(con: duckdb.DuckDBPyConnection) -> dict:
    write_rule_computability(con)
    not_computable = con.execute(
        "select rule_code || ': ' || reason from marts.rule_computability where not is_computable order by 1"
    ).fetchall()
    return {"not_computable": [r[0] for r in not_computable]}


def build_control_model(con: duckdb.DuckDBPyConnection, model: SqlModel, settings: Settings) -> dict:
    """Build a control model, or stand in for it when an input is missing (said in the log and the metadata)."""
    missing = run_control_model(con, model, settings)
    if missing:
        dg.get_dagster_logger().warning(f"{model.table}: inputs missing {missing}; stood in with an empty table")
    return {"missing_inputs": missing}


def control_model_asset(model: SqlModel) -> dg.AssetsDefinition:
    # the code version covers the macros the model calls (assets/controls/macros.py)
    return model_asset(model, GROUP, OWNERS, build=build_control_model, code_version=code_version(model.sql))


def control_assets() -> list:
    return [
        control_config,
        control_input_status_asset(),
        rule_computability,
        *(control_model_asset(m) for m in control_models()),
    ]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(control_assets()))
