"""The contract reference stays in step with the model: the JSON Schema is regenerated, every key is documented,
and every shipped contract validates against the schema."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema  # installed with great-expectations and altair
import pytest
import yaml
from pydantic import BaseModel, ValidationError

from assets.ingest.contracts import (
    ColumnSpec,
    Contract,
    CsvOptions,
    Lookup,
    NumberFormat,
    ReplaceGuard,
    RowRule,
    load_contract,
)
from assets.ingest.schema import FIELD_DESCRIPTIONS, INTERNAL_FIELDS, SCHEMA_DIALECT, contract_json_schema, render

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "contract.schema.json"
DOCS = ROOT / "docs" / "contracts.md"
REGENERATE = "run `python -m assets.ingest.schema > docs/contract.schema.json`"

# How each model's fields are written in the docs' key tables: (section, prefix) -> model.
TOP_LEVEL = {
    "": Contract,
    "csv.": CsvOptions,
    "number_format.": NumberFormat,
    "row_rules[].": RowRule,
    "replace_guard.": ReplaceGuard,
}
COLUMN_LEVEL = {"": ColumnSpec, "lookup.": Lookup}
KEY_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def _fields(model: type[BaseModel]) -> list[str]:
    return [name for name in model.model_fields if not (model is Contract and name in INTERNAL_FIELDS)]


def _expected(models: dict[str, type[BaseModel]]) -> set[str]:
    return {prefix + name for prefix, model in models.items() for name in _fields(model)}


def _documented_keys(section: str) -> set[str]:
    """First cells of the rows of the key tables (header `| key |`) under the H2 heading ``section``."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"docs/contracts.md has no section '## {section}'"
    keys, in_table = set(), False
    for line in match.group(1).splitlines():
        if line.startswith("| key |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and (row := KEY_ROW.match(line)):
            keys.add(row.group(1))
    return keys


def _object_schemas(schema: dict) -> dict[str, dict]:
    return {"Contract": schema, **schema.get("$defs", {})}


# (a) the schema file is the generator's output


def test_schema_file_is_generated_from_the_model():
    assert SCHEMA_FILE.exists(), f"docs/contract.schema.json is missing: {REGENERATE}"
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(text) == contract_json_schema(), f"docs/contract.schema.json is stale: {REGENERATE}"
    assert text == render(), f"docs/contract.schema.json is not formatted as generated: {REGENERATE}"


def test_schema_is_draft_2020_12_without_internal_fields():
    schema = contract_json_schema()
    assert schema["$schema"] == SCHEMA_DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"]
    for field in INTERNAL_FIELDS:
        assert field not in schema["properties"]
        assert field not in schema.get("required", [])


def test_every_property_has_a_one_sentence_description():
    for model, schema in _object_schemas(contract_json_schema()).items():
        assert schema.get("description"), f"{model} has no description"
        for field, prop in schema["properties"].items():
            description = prop.get("description", "")
            assert description, f"{model}.{field} has no description"
            assert description.endswith(".") and ". " not in description.rstrip(".").replace("e.g. ", ""), (
                f"{model}.{field}: keep the description to one sentence: {description!r}"
            )


def test_description_dictionary_names_only_existing_fields():
    models = {m.__name__: m for m in [*TOP_LEVEL.values(), *COLUMN_LEVEL.values()]}
    for model, fields in FIELD_DESCRIPTIONS.items():
        assert model in models, f"FIELD_DESCRIPTIONS names an unknown model {model}"
        stale = set(fields) - set(_fields(models[model]))
        assert not stale, f"FIELD_DESCRIPTIONS[{model!r}] describes fields the model no longer has: {sorted(stale)}"


# (b) every key is documented, and nothing documented is gone from the model


def test_every_model_reachable_from_a_contract_has_a_docs_table():
    covered = {m.__name__ for m in [*TOP_LEVEL.values(), *COLUMN_LEVEL.values()]}
    assert set(_object_schemas(contract_json_schema())) == covered, (
        "a nested model was added or removed: document its keys in docs/contracts.md and list it in "
        "TOP_LEVEL or COLUMN_LEVEL of this test"
    )


@pytest.mark.parametrize(
    ("section", "models"), [("Top-level keys", TOP_LEVEL), ("Column keys", COLUMN_LEVEL)], ids=["top", "column"]
)
def test_every_key_is_documented(section, models):
    documented, expected = _documented_keys(section), _expected(models)
    assert not expected - documented, (
        f"keys missing from '## {section}' of docs/contracts.md: {sorted(expected - documented)}"
    )
    assert not documented - expected, (
        f"'## {section}' of docs/contracts.md documents unknown keys: {sorted(documented - expected)}"
    )


def test_docs_have_the_editor_line_and_their_sections():
    text = DOCS.read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=../../docs/contract.schema.json" in text
    assert "## Walk-through: onboarding a real export" in text
    assert "kinerja validate-contracts" in text


def test_docs_yaml_examples_parse_and_the_minimal_contract_is_valid(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    for block in blocks:
        yaml.safe_load(block)
    minimal = tmp_path / "bank_x__payments.yaml"
    minimal.write_text(blocks[0], encoding="utf-8")
    load_contract(minimal)
    jsonschema.validate(yaml.safe_load(blocks[0]), contract_json_schema(), cls=jsonschema.Draft202012Validator)


# (c) every contract in the repository validates against the schema

CONTRACTS = sorted(
    p for p in (ROOT / "contracts").rglob("*") if p.suffix in (".yaml", ".yml") and not p.name.startswith("_")
)


def test_there_are_contracts_to_validate():
    assert CONTRACTS


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_contract_validates_against_the_schema(path):
    validator = jsonschema.Draft202012Validator(contract_json_schema())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [f"{'.'.join(map(str, e.absolute_path)) or '<top>'}: {e.message}" for e in validator.iter_errors(data)]
    assert not problems, f"{path.relative_to(ROOT)} does not match docs/contract.schema.json: " + "; ".join(problems)


VALID = {
    "entity": "payments",
    "system": "bank_x",
    "domain": "finance",
    "description": "d",
    "grain": "g",
    "files": ["*.csv"],
    "columns": {"payment_id": {"required": True}},
}


def _changed(path: str, value: object) -> dict:
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("columns.payment_id.aliasses", ["Ref"]),  # a typo
        ("load_mode", "merge"),
        ("currency", "gbp"),
        ("entity", "Payments"),
        ("columns.PaymentId", {}),
        ("columns.payment_id.type", "money"),
        ("columns.payment_id.lookup", {"from_column": "a"}),  # no file
        ("csv", {"delimiter": ";", "sep": ";"}),
        ("grain", KeyError),
    ],
)
def test_schema_and_model_both_refuse(path, value):
    data = _changed(path, value)
    Contract(**VALID)
    jsonschema.validate(VALID, contract_json_schema(), cls=jsonschema.Draft202012Validator)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, contract_json_schema(), cls=jsonschema.Draft202012Validator)
    with pytest.raises(ValidationError):
        Contract(**data)
