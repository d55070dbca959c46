"""Contracts: every shipped contract is valid; a broken one is refused with file, column and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.ingest.contracts import ContractError, discover_contracts, load_contract, normalise_header

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = """
entity: payments
system: test
domain: finance
description: d
grain: g
files: ["*.csv"]
"""


@pytest.mark.parametrize("path", discover_contracts(ROOT / "contracts" / "demo"), ids=lambda p: p.stem)
def test_demo_contracts_are_valid_and_named_after_their_file(path):
    contract = load_contract(path)
    assert path.stem == contract.name
    assert contract.primary_key, "every demo entity declares its primary key"


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        ("columns:\n  amount: {type: money}\n", ["columns.amount.type", "integer"]),
        ("columns:\n  Amount: {}\n", ["Amount", "lower_snake_case"]),
        ("columns:\n  a: {aliases: [x]}\n  b: {aliases: [X]}\n", ["alias", "'b'", "'a'"]),
        ("columns:\n  a: {}\nprimary_key: [b]\n", ["primary_key", "'b'"]),
        ("columns:\n  a: {pattern: '('}\n", ["columns.a.pattern"]),
        ("columns:\n  a: {colour: red}\n", ["columns.a.colour"]),
    ],
)
def test_invalid_contract_message_names_file_column_and_rule(tmp_path, columns, words):
    path = tmp_path / "test__payments.yaml"
    path.write_text(MINIMAL + columns)
    with pytest.raises(ContractError) as error:
        load_contract(path)
    assert str(path) in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_a_contract_edited_between_two_loads_is_read_again(tmp_path):
    """A process parses each contract file once while its text is unchanged; an edit (a column added, then a
    broken rule) is what the next load sees."""
    path = tmp_path / "test__payments.yaml"
    path.write_text(MINIMAL + "columns:\n  a: {}\n")
    first = load_contract(path)
    assert load_contract(path) is first
    path.write_text(MINIMAL + "columns:\n  a: {}\n  b: {type: integer}\n")
    assert sorted(load_contract(path).columns) == ["a", "b"]
    path.write_text(MINIMAL + "columns:\n  a: {colour: red}\n")
    with pytest.raises(ContractError, match="columns.a.colour"):
        load_contract(path)


def test_header_names_compare_without_case_spacing_or_bom():
    assert normalise_header("\ufeff Supplier Name ") == normalise_header("supplier_name") == "supplier_name"
