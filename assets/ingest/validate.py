"""Checks of a contract beyond its YAML shape: what would fail, or mislead, only when the night runs.

- Every SQL snippet (``expr``, ``negate_when``, ``filter``, ``row_rules``) is parsed by DuckDB's own parser and
  must be one scalar expression: no statement, no subquery, no table or file access, no function that reads the
  machine; every column it names must be a column of the contract.
- ``maps_to`` names a canonical entity whose column types the contract's columns can be cast to.
- A ``lookup`` file exists and has its ``from`` and ``to`` columns.
- A ``currency`` other than the reporting one has an exchange rate to it.

``kinerja validate-contracts`` prints these problems; the nightly run stages no contract that has any.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb

from assets.ingest.contracts import Contract

# Functions a contract's SQL may not call: they read files, the environment or the database's settings.
DENIED_FUNCTIONS = {
    "getenv", "current_setting", "read_text", "read_blob", "read_csv", "read_csv_auto", "read_parquet",
    "read_json", "read_json_auto", "read_ndjson", "parquet_scan", "glob", "query", "query_table", "sniff_csv",
    "duckdb_settings", "duckdb_extensions", "duckdb_secrets", "system", "shell", "pragma", "load", "install",
}  # fmt: skip
DENIED_PREFIXES = ("read_", "parquet_", "duckdb_", "pg_", "sqlite_", "iceberg_", "delta_", "http")
# Where each landed row came from: an expression may use them (a line number as an id, a part of the file name).
LINEAGE_COLUMNS = {"_source_path", "_line_no", "_file_sha256"}


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def expression_problems(sql: str, columns: set[str], where: str) -> list[str]:
    """Why ``sql`` is not a single scalar expression over ``columns`` (an empty list when it is)."""
    with duckdb.connect() as con:
        text = con.execute("select json_serialize_sql(?)", [f"select ({sql}) as v"]).fetchone()[0]
    tree = json.loads(text)
    if tree.get("error"):
        return [f"{where}: {sql!r} is not one SQL expression ({tree.get('error_message', 'parse error')})"]
    statements = tree.get("statements", [])
    node = statements[0]["node"] if len(statements) == 1 else {}
    select_list = node.get("select_list", [])
    if (
        len(statements) != 1
        or node.get("type") != "SELECT_NODE"
        or len(select_list) != 1
        or node.get("from_table", {}).get("type") != "EMPTY"
        or any(node.get(k) for k in ("where_clause", "group_expressions", "having", "qualify", "sample"))
    ):
        return [f"{where}: {sql!r} must be one expression, not a statement or a list"]
    problems = []
    known = {c.lower() for c in columns}
    for item in _walk(select_list):
        kind = item.get("class")
        if kind == "SUBQUERY":
            problems.append(f"{where}: {sql!r} contains a subquery; only an expression over the row is allowed")
        elif kind == "FUNCTION":
            name = str(item.get("function_name", "")).lower()
            if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES):
                problems.append(f"{where}: {sql!r} calls {name}(), which is not allowed in a contract")
        elif kind == "COLUMN_REF":
            name = item.get("column_names", [""])[-1]
            if name.lower() not in known:
                problems.append(
                    f"{where}: {sql!r} names column {name!r}, which the contract does not have "
                    f"(columns: {', '.join(sorted(columns))})"
                )
    return sorted(set(problems))


def _snippets(contract: Contract) -> Iterator[tuple[str, str, set[str]]]:
    """(where, sql, columns it may name) for every SQL snippet of the contract."""
    read = set(contract.columns) - {c for c, s in contract.columns.items() if s.is_derived} | LINEAGE_COLUMNS
    every = set(contract.columns) | LINEAGE_COLUMNS
    for name, spec in contract.columns.items():
        if spec.expr is not None:
            yield f"column {name!r} expr", spec.expr, read
        if spec.negate_when is not None:
            yield f"column {name!r} negate_when", spec.negate_when, every
    for rule in contract.row_rules:
        yield f"row rule {rule.name!r}", rule.sql, every
    if contract.filter:
        yield "filter", contract.filter, every


def _lookup_problems(contract: Contract) -> list[str]:
    problems = []
    base = contract.path.parent if contract.path else Path(".")
    for name, spec in contract.columns.items():
        if spec.lookup is None:
            continue
        path = base / spec.lookup.file
        if not path.is_file():
            problems.append(f"column {name!r}: lookup file {path} does not exist")
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        for column in (spec.lookup.from_column, spec.lookup.to_column):
            if column not in header:
                problems.append(f"column {name!r}: lookup file {path.name} has no column {column!r} (has {header})")
        if spec.lookup.date_column and spec.lookup.date_column not in contract.columns:
            problems.append(f"column {name!r}: lookup date_column {spec.lookup.date_column!r} is not a column")
    return problems


def _currency_problems(contract: Contract, reporting_currency: str, rate_files: list[Path]) -> list[str]:
    if not contract.currency or contract.currency == reporting_currency:
        return []
    for path in rate_files:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("from_currency") == contract.currency and row.get("to_currency") == reporting_currency:
                    return []
    return [
        f"currency {contract.currency}: no exchange rate {contract.currency} to {reporting_currency} in "
        f"{', '.join(str(p) for p in rate_files)}; add one (from_currency, to_currency, rate, effective_from, "
        "effective_to, source) or the source's money cannot be reported"
    ]


def contract_problems(contract: Contract, reporting_currency: str, rate_files: list[Path]) -> list[str]:
    """Every problem of the contract that only shows when it runs, each naming the contract and the key."""
    from assets.canonical.build import mapping_problems
    from assets.canonical.catalog import load_catalog

    problems = []
    for where, sql, columns in _snippets(contract):
        problems += expression_problems(sql, columns, where)
    if contract.maps_to:
        catalog = load_catalog()
        if contract.maps_to not in catalog:
            problems.append(
                f"maps_to: {contract.maps_to!r} is not a canonical entity (known: {', '.join(sorted(catalog))})"
            )
        else:
            problems += [
                f"maps_to {contract.maps_to}: {p}" for p in mapping_problems(contract, catalog[contract.maps_to])
            ]
    problems += _lookup_problems(contract)
    problems += _currency_problems(contract, reporting_currency, rate_files)
    name = contract.path.name if contract.path else contract.name
    return [f"contract {name}: {p}" for p in problems]
