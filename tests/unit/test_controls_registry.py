"""The registry of controls and compliance rules, its parameters table, the answer-key map, and what happens when a
rule's input table is missing or empty (a finding of its own, never "no exceptions")."""

from __future__ import annotations

import re

import pytest
from fixtures.warehouse import create_staging, load_reference

from assets.controls.registry import (
    INPUT_MISSING,
    RegistryError,
    load_answer_key_map,
    load_registry,
    write_control_config,
)
from assets.controls.runner import FAMILY_PREFIX, SQL_DIR, build_controls, control_models
from generator.config import DEFAULT_ANOMALIES
from generator.finance import FINANCE_ANOMALIES
from pipelines.partitions import is_fingerprint_file
from pipelines.settings import Settings

RULES = load_registry()
MODELS = {m.name: m for m in control_models()}


def upstream_closure(name: str) -> set[str]:
    """Tables a model reads, directly or through the other control models it reads."""
    tables: set[str] = set()
    for schema, table in MODELS[name].upstream:
        tables.add(f"{schema}.{table}")
        if table in MODELS and table != name:
            tables |= upstream_closure(table)
    return tables


def test_every_planted_anomaly_type_maps_to_a_registered_rule():
    mapping = load_answer_key_map()
    assert set(DEFAULT_ANOMALIES) | set(FINANCE_ANOMALIES) <= set(mapping)
    assert set(mapping.values()) <= {r.code for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_rule_reads_its_inputs_and_its_model_uses_every_parameter(rule):
    model = MODELS[rule.model]
    assert model.name.startswith(FAMILY_PREFIX)
    assert set(rule.inputs) <= upstream_closure(rule.model), "inputs the model does not read"
    assert not {t.split(".")[1] for t in rule.inputs} & set(MODELS), "inputs are tables of other domains"
    sql = "\n".join(MODELS[t.split(".")[1]].sql for t in upstream_closure(rule.model) if t.split(".")[1] in MODELS)
    for name in rule.parameters:
        assert re.search(rf"\b{name}\b", model.sql + sql), f"parameter {name} is not used by {rule.model}"
    assert f"'{rule.code}'" in model.sql, f"{rule.model} never writes control_code {rule.code}"


def test_the_union_reads_every_family():
    union = MODELS["int_controls__findings"].sql
    families = sorted(n for n in MODELS if n.startswith(FAMILY_PREFIX))
    assert families == sorted(n for n in set(re.findall(rf"core\.({FAMILY_PREFIX}\w+)", union)))
    # every model file of a family (a family's <name>.partitions.sql is its months' fingerprint, not a model)
    files = [p for p in SQL_DIR.glob(f"{FAMILY_PREFIX}*.sql") if not is_fingerprint_file(p)]
    assert len(families) == len(files)


def test_parameters_are_one_typed_row(con):
    write_control_config(con)
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_name = 'control_parameters'").fetchall())  # fmt: skip
    assert types["near_duplicate_window_days"] == "INTEGER"  # so that date + days works
    assert types["round_amount_modulus_idr"] == "BIGINT"  # money
    assert types["near_duplicate_amount_tolerance_pct"] == "DOUBLE"
    assert types["round_amount_sources"] == "VARCHAR[]"
    assert types["weekend_posting_include_collective_leave"] == "BOOLEAN"
    assert con.execute("select count(*) from core.control_parameters").fetchall() == [(1,)]
    assert con.execute("select count(*) from marts.control_registry").fetchall() == [(len(RULES),)]


def test_a_parameter_name_used_by_two_rules_is_refused(tmp_path):
    text = (SQL_DIR.parent / "registry.yaml").read_text()
    clash = text.replace("split_window_days: 7", "near_duplicate_window_days: 7")
    (tmp_path / "registry.yaml").write_text(clash)
    with pytest.raises(RegistryError, match="near_duplicate_window_days"):
        load_registry.__wrapped__(tmp_path / "registry.yaml", SQL_DIR)


def test_missing_and_empty_inputs_are_findings_not_silence(con):
    # An empty warehouse but for the reference data and an (empty) HR master: every rule reports each input that
    # is missing; the rules that read the HR master report it as empty.
    load_reference(con)
    create_staging(con, "hris__employees", [])
    build_controls(con, Settings())
    rows = con.execute(
        "select control_code, entity_key, description, evidence from marts.control_findings "
        "union all select control_code, entity_key, description, evidence from marts.compliance_findings"
    ).fetchall()
    assert {r[0] for r in rows} == {INPUT_MISSING}
    # every rule says it did not run, but for the optional ones (a source many companies lack, e.g. spend files)
    assert {r[1] for r in rows} == {r.code for r in RULES if not r.optional}
    assert {r.code for r in RULES if r.optional} >= {"duplicate_spend_payment", "benford_spend_first_digit"}
    empty = {r[1] for r in rows if "staging.stg_hris__employees is empty" in r[2]}
    assert empty == {r.code for r in RULES if "staging.stg_hris__employees" in r.inputs}
    assert any("core.fct_payslip is missing" in r[2] for r in rows if r[1] == "paid_after_termination")
