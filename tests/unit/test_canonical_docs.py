"""The canonical model's page is generated from the catalog and the needs, and the needs resolve as documented."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.canonical.catalog import load_catalog
from assets.canonical.docs import render
from assets.canonical.needs import missing, model_index, needs_of, sentence, write_computability
from assets.kpi.assets import kpi_needs

ROOT = Path(__file__).resolve().parents[2]


def test_docs_canonical_model_is_current():
    committed = (ROOT / "docs" / "canonical_model.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m assets.canonical.docs > docs/canonical_model.md"


def test_every_declared_need_names_a_canonical_column():
    catalog = load_catalog()
    declared = [n for m in model_index().values() for n in m.needs] + [n for ns in kpi_needs().values() for n in ns]
    for need in declared:
        for alternative in need.split("|"):
            entity, _, column = alternative.strip().partition(".")
            assert entity in catalog and column in catalog[entity].columns, need


def test_a_model_without_needs_inherits_those_of_what_it_reads():
    # kpi_hr__workforce states none: it reads core.dim_employee, whose header names the employee columns
    assert needs_of("marts.kpi_hr__workforce") == needs_of("core.dim_employee") != frozenset()
    # a model that states needs states all of them (kpi_finance__opex reads budgets too, but does not need them)
    assert not any(n.startswith("budgets.") for n in needs_of("marts.kpi_finance__opex"))


def test_alternatives_and_the_sentence():
    available = {"employees.employee_id", "employees.hire_date"}
    needs = ["employees.employee_id|job_history.employee_id", "employees.manager_id|job_history.manager_id"]
    assert missing(needs, available) == ["employees.manager_id|job_history.manager_id"]
    assert missing(needs, None) == []
    assert sentence(missing(needs, available)) == "not computable: needs employees.manager_id or job_history.manager_id"


def test_computability_follows_coverage():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.canonical_coverage as select * from (values "
        "('employees', 'hire_date', 3, 3, ['x']), ('employees', 'gender', 3, 0, ['x'])) "
        "t(entity, column_name, n_rows, n_filled, sources)"
    )
    ok = write_computability(
        con, "kpi_computability", "kpi_code", {"a": ["employees.hire_date"], "b": ["employees.gender"]}
    )
    assert ok == ["a"]
    rows = con.execute(
        "select kpi_code, is_computable, missing_columns, reason from marts.kpi_computability"
    ).fetchall()
    assert rows == [
        ("a", True, [], "computable"),
        ("b", False, ["employees.gender"], "not computable: needs employees.gender"),
    ]
