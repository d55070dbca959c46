"""The JSON Schema of a source contract, generated from the pydantic model ``Contract``.

Editors use it to complete and check contract YAML while it is typed (first line of a contract:
``# yaml-language-server: $schema=../../docs/contract.schema.json``). ``docs/contract.schema.json`` is the output
of ``python -m assets.ingest.schema``; a unit test compares the two, so the file cannot go stale.

Descriptions come from the model where it has them (``Field(description=...)``, class docstrings), otherwise
from the dictionaries below; a field with neither stops the generator with a message saying where to add one.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from assets.ingest.contracts import IDENTIFIER, Contract

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLE = "Kinerja source contract"
# Filled by load_contract, never written in a contract.
INTERNAL_FIELDS = ("path", "sha256")

MODEL_DESCRIPTIONS: dict[str, str] = {
    "Contract": "A source contract: which files hold one entity of one source system, how to read them, what a "
    "valid row is and where its rows go (docs/contracts.md).",
    "ColumnSpec": "One column: its type, the names it has in the files (or where its value comes from otherwise) "
    "and the checks its values must pass.",
    "CsvOptions": "How a text (CSV) file is read.",
    "NumberFormat": "How numbers are written in the export.",
    "RowRule": "A SQL condition every row must meet, with the reason recorded for a row that does not.",
    "Lookup": "A mapping table in a CSV next to the contract, optionally effective-dated.",
}

FIELD_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Contract": {
        "entity": "What the files hold, lower_snake_case; with system it names the tables "
        "(staging.stg_<system>__<entity>).",
        "system": "Source system the export comes from, lower_snake_case (e.g. hris, erp); the canonical rows' "
        "source_system.",
        "domain": "Business domain (hr, payroll, finance, ...): the Dagster asset group of the source's tables.",
        "description": "What the export holds, in one sentence shown in the Dagster UI.",
        "grain": "What one row is, e.g. 'one row per employee'.",
        "owner": "Who delivers the export (Dagster owner, e.g. team:hr-data), named in freshness warnings.",
        "files": "Glob patterns under the landing folder (at least one); a {name} part matches like * and can fill "
        "a column with from_path.",
        "format": "File format, or detect to tell it from the extension (.csv .txt .tsv, .xlsx .xlsm .xls, "
        ".parquet .pq).",
        "csv": "How text files are read: encoding, delimiter, header row, quote character, and the column order of "
        "a file without a header.",
        "sheet": "Excel sheet to read, by name or 0-based position.",
        "null_values": "Cell texts (after trimming) that mean an empty value.",
        "trim": "Whether leading and trailing spaces are removed from every cell before null checks and typing.",
        "number_format": "How numbers are written: thousands and decimal separators, symbols to strip.",
        "columns": "The columns by lower_snake_case name, each with its type, aliases and checks.",
        "primary_key": "Columns that identify a row; a second row with the same key is quarantined "
        "(rule primary_key_unique).",
        "row_rules": "SQL conditions over the typed columns that every row must meet; a failing row is quarantined "
        "with the rule's reason.",
        "schema_drift": "What a file column the contract does not know does: warn (recorded and flagged), ignore "
        "(recorded only) or fail (the file is not loaded).",
        "expected_cadence_days": "Days between deliveries; a freshness check warns when no new file arrived within "
        "them plus a grace period.",
        "duplicate_rows": "Staging check for rows identical in every column (contracts without a primary_key): warn "
        "(recorded), error (blocks what is downstream) or ignore (no check).",
        "constant_columns": "Staging check for a column holding one value in every row (10 or more values; key, "
        "value and from_path columns left out): warn, error or ignore.",
        "constant_columns_allowed": "Columns that may hold one value in every row (one bank account, one fiscal year), "
        "left out of the constant-columns check.",
        "replace_guard": "When a new version of a file may replace the loaded one under the same path; a version "
        "with too many fewer rows is held until kinerja accept lets it through.",
        "on_file_removed": "What a file that left the landing folder does: retract (its rows leave staging) or keep "
        "(its rows stay staged).",
        "maps_to": "Canonical entity the source feeds (docs/canonical_model.md); without it the source is loaded "
        "into staging only.",
        "currency": "ISO 4217 code of the money columns; default the reporting currency (currency in "
        "config/kinerja.yaml).",
        "load_mode": "How deliveries add up: append (every file adds rows), replace (newest file only), snapshot "
        "(newest picture of each key) or events (every row is history).",
        "filter": "SQL condition over the contract's columns; staged rows that fail it are not passed to the "
        "canonical entity.",
        "key_prefix": "Text put before the entity's key columns so that two sources' ids cannot collide.",
        "priority": "When two sources claim the same canonical key, the lower number wins.",
    },
    "ColumnSpec": {
        "type": "Type the text is converted to; a value that does not convert is quarantined (rule type_<type>).",
        "aliases": "Header names of the column in the files; matching ignores case, spaces and punctuation.",
        "required": "Whether the file must have the column and every row a value (after null_values and default).",
        "formats": "strptime formats of a date or timestamp, tried in order (e.g. %d/%m/%Y), each one DuckDB can read; "
        "without them ISO 8601.",
        "allowed_values": "The only values the column may hold: texts compared after trimming, before typing; for an "
        "integer or decimal column numbers, compared as numbers (rule allowed_values).",
        "min": "Smallest value a number may have (rule min_value).",
        "max": "Largest value a number may have (rule max_value).",
        "pattern": "Regular expression the whole text must match (rule pattern).",
        "description": "What the column holds, for readers of the contract.",
        "personal": "Personal data (national id, tax id, bank account, e-mail, name, birth date, pay): masked in "
        "every Dagster preview, metadata value, check result and log line, and never shown on a page.",
        "default": "Text a blank cell stands for, used before typing and checks (e.g. '0').",
        "century_start": "First year of the 100-year window that two-digit years (%y) fall in, e.g. 1950; required "
        "when a format has %y.",
        "expr": "SQL scalar expression over the contract's file columns (after typing) that computes the column, "
        "e.g. greatest(amount_usd, 0).",
        "value": "Constant the column holds in every row.",
        "from_path": "Name of a {capture} in a files pattern whose matched text the column holds.",
        "map": "Inline map from source label to canonical value, applied to the text before typing; an unmapped "
        "label is quarantined (rule value_map).",
        "lookup": "The same as map, read from a CSV next to the contract, optionally effective-dated.",
        "negate_when": "SQL condition under which the number changes sign (credit indicator, refund).",
        "precision": "Digits a decimal column keeps in all (DECIMAL(precision, scale)); default 16 + scale, at most "
        "38; needs scale.",
        "scale": "Decimal places a decimal column keeps, default 9; a value with more is a violation (rule "
        "decimal_scale), never rounded.",
        "on_error": "What a value that breaks this column's checks does: quarantine_row (the whole row, the default) "
        "or null_and_flag (the row is staged with the value null and the problem in meta.staging_flags).",
        "open_end": "Date or timestamp placeholders (ISO, e.g. 9999-12-31) that mean open or no end: staged as null "
        "instead of quarantined as out of the plausible date range (rule date_out_of_range).",
    },
    "CsvOptions": {
        "encoding": "Text encoding: detect (a byte-order mark or the NUL bytes of UTF-16 decide, otherwise each line "
        "is read as UTF-8 and a line that is not as cp1252) or a Python codec name such as utf-16, cp1252 or latin-1.",
        "delimiter": "One-character field separator, or detect to try , ; tab and | and keep the one whose header "
        "names the most columns.",
        "header_row": "1-based line of the header (also for Excel sheets), or detect to take the line among the "
        "first 40 that names the most contract columns.",
        "quote": "Character that encloses a quoted field.",
        "header": "Whether the file has a header line; false reads the first line as data, its fields in the order "
        "of csv.columns.",
        "columns": "With header false, the contract columns the fields hold, in file order; default the order of "
        "the read columns under columns.",
    },
    "NumberFormat": {
        "thousands_separator": "Thousands separator removed before a number is read (e.g. '.' in 1.234.567,89).",
        "decimal_separator": "Decimal separator, read as '.'.",
        "strip": "Currency symbols and other texts removed from a number before it is read.",
    },
    "ReplaceGuard": {
        "max_row_drop_pct": "Largest share (percent) by which a new version may have fewer rows than the loaded "
        "version of its path before it is held; 100 turns the guard off.",
    },
    "RowRule": {
        "name": "Rule name recorded with a quarantined row.",
        "sql": "SQL condition over the typed columns that the row must meet (a null result passes).",
        "reason": "Sentence recorded with a row that fails the rule.",
    },
    "Lookup": {
        "file": "CSV file with the mapping, relative to the contract's folder.",
        "from_column": "Column of the CSV that holds the source label.",
        "to_column": "Column of the CSV that holds the canonical value.",
        "date_column": "Contract date column compared with the CSV's effective_from and effective_to to pick the "
        "mapping in force.",
    },
}


def _describe(name: str, schema: dict[str, Any]) -> None:
    """Give the object schema of model ``name`` and each of its properties a description."""
    if "description" not in schema:
        if name not in MODEL_DESCRIPTIONS:
            raise ValueError(f"model {name} has no docstring: add it to MODEL_DESCRIPTIONS in assets/ingest/schema.py")
        schema["description"] = MODEL_DESCRIPTIONS[name]
    for field, prop in schema.get("properties", {}).items():
        if "description" in prop:
            continue
        try:
            prop["description"] = FIELD_DESCRIPTIONS[name][field]
        except KeyError:
            raise ValueError(
                f"{name}.{field} has no description: add one (one sentence) to FIELD_DESCRIPTIONS[{name!r}] "
                "in assets/ingest/schema.py, document the key in docs/contracts.md and regenerate "
                "docs/contract.schema.json"
            ) from None


def contract_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a contract YAML file."""
    schema = Contract.model_json_schema()
    for field in INTERNAL_FIELDS:
        schema["properties"].pop(field, None)
    if "required" in schema:
        schema["required"] = [f for f in schema["required"] if f not in INTERNAL_FIELDS]
    # What the model's field validators check, where JSON Schema can say it.
    for field in ("entity", "system"):
        schema["properties"][field]["pattern"] = IDENTIFIER.pattern
    schema["properties"]["columns"]["propertyNames"] = {"pattern": IDENTIFIER.pattern}
    schema["properties"]["columns"]["minProperties"] = 1
    _describe("Contract", schema)
    for name, definition in schema.get("$defs", {}).items():
        _describe(name, definition)
    schema["title"] = TITLE
    return {"$schema": SCHEMA_DIALECT, **schema}


def render() -> str:
    """The schema as written to docs/contract.schema.json: indent 2, sorted keys, trailing newline."""
    return json.dumps(contract_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
