"""`kinerja validate-contracts` finds what would otherwise fail (or mislead) only when the night runs, and the
nightly definitions stage no contract that has such a problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fixtures.contracts import acme_staff, write_contract
from fixtures.project import settings_from_env

from assets.canonical.catalog import RATES_FILE
from assets.ingest.contracts import load_contract
from assets.ingest.validate import contract_problems

BASE = acme_staff("""
    maps_to: employees
    files: ["hr/*.csv"]
    columns:
      employee_id: {aliases: [id]}
      age: {type: integer}
      hire_date: {type: date}
""")


def problems(tmp_path: Path, extra: str = "", replace: tuple[str, str] = ("", ""), currency: str = "IDR") -> list[str]:
    path = write_contract(tmp_path, BASE.replace(*replace) + textwrap.dedent(extra))
    return contract_problems(load_contract(path), currency, [RATES_FILE])


def test_a_valid_contract_has_no_problem(tmp_path):
    assert problems(tmp_path) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("agee > 16", "names column 'agee', which the contract does not have"),
        ("age >", "is not one SQL expression"),
        ("age > 16; drop table x", "is not one SQL expression"),
        ("(select count(*) from read_text('/etc/passwd')) > 0", "contains a subquery"),
        ("getenv('HOME') is not null", "calls getenv(), which is not allowed"),
    ],
)
def test_row_rules_are_one_expression_over_the_row(tmp_path, rule, expected):
    found = problems(tmp_path, f'row_rules:\n  - {{name: adult, sql: "{rule}", reason: too young}}\n')
    assert len(found) >= 1
    assert found[0].startswith("contract acme__staff.yaml: row rule 'adult': ")
    assert expected in " ".join(found)


def test_an_expression_may_read_the_row_and_its_lineage(tmp_path):
    extra = '  line_no: {type: integer, expr: "_line_no"}\n  position: {expr: "upper(employee_id) || \'-\' || age"}\n'
    assert problems(tmp_path, replace=("  hire_date: {type: date}\n", "  hire_date: {type: date}\n" + extra)) == []


def test_mapping_into_an_unknown_entity_or_an_incompatible_type(tmp_path):
    assert "is not a canonical entity" in problems(tmp_path, replace=("maps_to: employees", "maps_to: staff"))[0]
    found = problems(tmp_path, replace=("hire_date: {type: date}", "hire_date: {type: integer}"))
    assert found == [
        "contract acme__staff.yaml: maps_to employees: column 'hire_date' is integer in the contract but date in "
        "canonical entity 'employees'"
    ]


def test_a_currency_without_a_rate_to_the_reporting_one(tmp_path):
    found = problems(tmp_path, "currency: CHF\n")
    assert len(found) == 1 and "no exchange rate CHF to IDR" in found[0]
    assert problems(tmp_path, "currency: GBP\n", currency="USD") == []


def test_a_lookup_file_must_exist_with_its_columns(tmp_path):
    (tmp_path / "depts.csv").write_text("code,dept\nA,Admin\n", encoding="utf-8")
    lookup = "  department_id: {aliases: [dept], lookup: {file: depts.csv, from_column: code, to_column: department}}\n"
    found = problems(tmp_path, replace=("  hire_date: {type: date}\n", "  hire_date: {type: date}\n" + lookup))
    assert found == [
        "contract acme__staff.yaml: column 'department_id': lookup file depts.csv has no column 'department' "
        "(has ['code', 'dept'])"
    ]


def test_the_cli_says_invalid_and_exits_1(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    contracts = tmp_path / "contracts"
    contracts.mkdir()
    write_contract(contracts, BASE + 'row_rules:\n  - {name: adult, sql: "agee > 16", reason: too young}\n')
    with settings_from_env(monkeypatch, CONTRACTS_DIR=contracts):
        assert main(["validate-contracts"]) == 1
    out = capsys.readouterr().out
    assert "INVALID contract acme__staff.yaml: row rule 'adult': 'agee > 16' names column 'agee'" in out
