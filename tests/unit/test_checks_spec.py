"""Suites as data: a staging suite follows its contract (an edit changes it, no code), suite files are
validated with a message naming the file, and every core table has a suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.ingest.contracts import discover_contracts, load_contract
from checks.spec import (
    ERROR,
    NEWEST_LOAD,
    WARN,
    SuiteError,
    staging_suite,
    yaml_suite,
    yaml_suites,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "contracts" / "demo"


def _by_name(suite):
    return {c.name: c for c in suite.checks}


def test_staging_suite_follows_the_contract():
    suite = staging_suite(load_contract(DEMO / "hris__employees.yaml"))
    checks = _by_name(suite)
    assert suite.table == "staging.stg_hris__employees"
    assert suite.key_columns == ("employee_id",)
    # primary key and required columns: present, and the key unique - all blocking
    for name in ("completeness_employee_id", "uniqueness_employee_id", "completeness_hire_date"):
        assert checks[name].severity == ERROR and checks[name].blocking
    assert checks["validity_gender"].values == ("M", "F")
    assert checks["validity_base_salary_idr_range"].min_value == 0
    assert checks["validity_national_id_pattern"].pattern == r"\d{16}"
    assert checks["consistency_termination_after_hire"].sql == "termination_date >= hire_date"
    assert "employee_id" in checks["schema_columns_match_contract"].values
    # the extras file adds WARN checks: references and thresholds that let a few findings pass
    assert checks["integrity_department_id"].parent == "staging.stg_hris__departments.department_id"
    assert checks["completeness_tax_id"].severity == WARN and not checks["completeness_tax_id"].blocking
    assert checks["completeness_tax_id"].mostly == 0.95


def test_a_contract_edit_changes_the_suite(tmp_path):
    text = (DEMO / "hris__departments.yaml").read_text()
    edited = tmp_path / "hris__departments.yaml"
    # the edit: a new allowed domain, and cost_center becomes required
    edited.write_text(
        text.replace("executive]", "executive, audit]").replace("cost_center: {", "cost_center: {required: true, ")
    )
    before = _by_name(staging_suite(load_contract(DEMO / "hris__departments.yaml")))
    after = _by_name(staging_suite(load_contract(edited)))
    assert "audit" not in before["validity_domain"].values
    assert "audit" in after["validity_domain"].values
    assert "completeness_cost_center" not in before and after["completeness_cost_center"].severity == ERROR


def test_periodic_sources_are_checked_on_their_newest_load():
    monthly = {p.stem for p in DEMO.glob("*.yaml") if load_contract(p).expected_cadence_days}
    assert monthly == {"hris__attendance", "payroll__payslip_lines", "erp__gl_entries", "erp__bank_transactions"}
    for path in DEMO.glob("*.yaml"):
        suite = staging_suite(load_contract(path))
        assert suite.scope == (NEWEST_LOAD if path.stem in monthly else "all"), path.stem


def test_an_extras_file_can_replace_a_contract_check(tmp_path):
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging" / "hris__departments.yaml").write_text(
        "warn:\n  allowed_values:\n    domain: [hr, finance]\n"  # same name as the contract's check: replaces it
    )
    checks = _by_name(staging_suite(load_contract(DEMO / "hris__departments.yaml"), tmp_path))
    assert checks["validity_domain"].values == ("hr", "finance")
    assert checks["validity_domain"].severity == WARN


@pytest.mark.parametrize(
    "text, message",
    [
        ("table: core.other\nkey: [a]\n", "`table` must be <schema>.thing"),
        ("table: core.thing\nkeys: [a]\n", "keys"),  # misspelt section
        ("table: core.thing\nrelationships: {a: nowhere}\n", "relationships"),  # not schema.table.column
        ("table: core.thing\nscope: newest_load\n", "newest_load"),
        ("table: core.thing\nkey: [a\n", "not valid YAML"),
        # a rule is a condition on a row or a query of failing rows, never both nor neither
        ("table: core.thing\nrules: [{name: r, sql: 'a > 0', query: 'select 1', reason: x}]\n", "either sql"),
        ("table: core.thing\nrules: [{name: r, reason: x}]\n", "either sql"),
        ("table: core.thing\nrules: [{name: r, query: 'select 1', reason: x, mostly: 0.9}]\n", "mostly needs sql"),
    ],
)
def test_bad_suite_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "thing.yaml"
    path.write_text(text)
    with pytest.raises(SuiteError, match="thing.yaml") as error:
        yaml_suite(path)
    assert message in str(error.value)


def test_every_contract_builds_a_suite_with_unique_check_names():
    contracts = discover_contracts(DEMO) + discover_contracts(ROOT / "contracts" / "realdata")
    for path in contracts:
        suite = staging_suite(load_contract(path))
        names = [c.name for c in suite.checks]
        assert len(names) == len(set(names)), path
        assert suite.key_columns, path  # a contract without a key names rows by file and line


def test_every_core_table_has_a_suite_and_every_suite_a_table():
    """A new core model needs assets/<domain>/sql/<table>.yaml (a key at least); a suite may wait for its model."""
    from checks.asset_checks import defined_asset_keys

    core = {"core." + k.path[1] for k in defined_asset_keys() if k.path[0] == "core"}
    suites = {s.table for s in yaml_suites("core")}
    assert sorted(core - suites) == [], "core tables without a suite beside their model"
    for suite in yaml_suites("core"):
        assert suite.key_columns or any(c.kind == "row_count" for c in suite.checks), suite.table
