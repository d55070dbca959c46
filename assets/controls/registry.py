"""The registry of controls and compliance rules (``registry.yaml``) and the tables SQL reads it from.

``core.control_parameters`` is one row with one column per threshold (names unique across the registry), so a
model reads ``p.near_duplicate_window_days`` instead of a literal. ``marts.control_registry`` lists every rule
for reviewers and dashboards; ``core.control_benford_bands`` holds Nigrini's MAD conformity bands;
``core.finding_review_statuses`` says which review statuses keep a finding open (``review_statuses.csv``).
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict, TypeAdapter

from assets.sqlmodels import TABLE_REF
from pipelines import yamlfile
from pipelines.db import insert_rows, keyed

HERE = Path(__file__).parent
REGISTRY_FILE = HERE / "registry.yaml"
ANSWER_KEY_MAP_FILE = HERE / "answer_key_map.yaml"
BENFORD_BANDS_FILE = HERE / "benford_mad_bands.csv"
REVIEW_STATUSES_FILE = HERE / "review_statuses.csv"
SQL_DIR = HERE / "sql"

REGISTRY_TABLE = "marts.control_registry"
PARAMETERS_TABLE = "core.control_parameters"
BENFORD_BANDS_TABLE = "core.control_benford_bands"
REVIEW_STATUSES_TABLE = "core.finding_review_statuses"
INPUT_MISSING = "input_missing"
# each kind of rule and the mart its findings land in (the order the pages list them in)
FINDINGS_MARTS = {"control": "marts.control_findings", "compliance": "marts.compliance_findings"}

Scalar = bool | int | float | str
ParameterValue = Scalar | list[str]


class ControlRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    kind: Literal["control", "compliance"]
    model: str
    name: str
    name_id: str  # the name in Indonesian
    entity: str
    severity: Literal["high", "medium", "low"]
    inputs: tuple[str, ...]
    description: str
    source: str
    parameters: dict[str, ParameterValue] = {}
    reference: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # canonical columns the rule needs beyond those of its inputs' models
    optional: bool = False  # over a source many companies lack: when it is absent, no input_missing finding


class RegistryError(ValueError):
    """The registry cannot be used; the message names the file, the rule and what is wrong."""


@lru_cache(maxsize=4)
def load_registry(path: Path = REGISTRY_FILE, sql_dir: Path = SQL_DIR) -> tuple[ControlRule, ...]:
    """Every rule, validated: unique codes and parameter names, an existing model, inputs named schema.table."""
    rules = TypeAdapter(list[ControlRule]).validate_python(yamlfile.safe_load(path.read_text(encoding="utf-8")) or [])
    seen_codes: set[str] = set()
    seen_params: dict[str, str] = {}
    for rule in rules:
        if rule.code in seen_codes or rule.code == INPUT_MISSING:
            raise RegistryError(f"{path}: control code {rule.code!r} is listed twice or reserved")
        seen_codes.add(rule.code)
        if not (sql_dir / f"{rule.model}.sql").exists():
            raise RegistryError(f"{path}: rule {rule.code} names model {rule.model!r}; sql/{rule.model}.sql is missing")
        for table in rule.inputs:
            if not TABLE_REF.fullmatch(table):
                raise RegistryError(f"{path}: rule {rule.code} input {table!r} is not a schema.table name")
        for name in rule.parameters:
            if name in seen_params:
                raise RegistryError(f"{path}: parameter {name!r} of {rule.code} is already a parameter of "
                                    f"{seen_params[name]}; parameter names must be unique")  # fmt: skip
            seen_params[name] = rule.code
    return tuple(rules)


def load_answer_key_map(path: Path = ANSWER_KEY_MAP_FILE) -> dict[str, str]:
    """Planted anomaly type -> control code; every code must be in the registry."""
    mapping = {str(k): str(v) for k, v in (yamlfile.safe_load(path.read_text(encoding="utf-8")) or {}).items()}
    codes = {r.code for r in load_registry()}
    unknown = sorted({v for v in mapping.values() if v not in codes})
    if unknown:
        raise RegistryError(f"{path}: codes not in the registry: {unknown}")
    return mapping


def _duckdb_type(name: str, value: ParameterValue) -> str:
    """Money (``*_idr``) is BIGINT; other whole numbers (days, counts) INTEGER, so ``date + n_days`` works."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT" if name.endswith("_idr") else "INTEGER"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, list):
        return "VARCHAR[]"
    return "VARCHAR"


def write_parameters(con: duckdb.DuckDBPyConnection, rules: tuple[ControlRule, ...]) -> None:
    values = {name: value for rule in rules for name, value in rule.parameters.items()}
    con.execute("create schema if not exists core")
    columns = ", ".join(f"${i + 1}::{_duckdb_type(name, v)} as {name}" for i, (name, v) in enumerate(values.items()))
    con.execute(f"create or replace table {PARAMETERS_TABLE} as select {columns}", list(values.values()))


def write_registry(con: duckdb.DuckDBPyConnection, rules: tuple[ControlRule, ...]) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        keyed(
            con,
            f"create or replace table {REGISTRY_TABLE} (code varchar primary key, kind varchar, model varchar, "
            "name varchar, entity varchar, severity varchar, inputs varchar[], reference varchar[], "
            "description varchar, source varchar, parameters varchar, is_optional boolean, name_id varchar)",
        )
    )
    insert_rows(con, 
        f"insert into {REGISTRY_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[r.code, r.kind, r.model, r.name, r.entity, r.severity, list(r.inputs), list(r.reference),
          r.description, r.source, json.dumps(r.parameters), r.optional, r.name_id] for r in rules],
    )  # fmt: skip


def write_benford_bands(con: duckdb.DuckDBPyConnection, path: Path = BENFORD_BANDS_FILE) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bounds = ("close_conformity_max", "acceptable_max", "marginal_max")
    for line_no, row in enumerate(rows, start=2):
        values = [float(row[b]) for b in bounds]
        if values != sorted(values):
            raise RegistryError(f"{path} line {line_no}: the bands of {row['test']} must increase: {values}")
    con.execute("create schema if not exists core")
    con.execute(
        keyed(
            con,
            f"create or replace table {BENFORD_BANDS_TABLE} (test varchar primary key, close_conformity_max double, "
            "acceptable_max double, marginal_max double, source varchar)",
        )
    )
    insert_rows(
        con,
        f"insert into {BENFORD_BANDS_TABLE} values (?, ?, ?, ?, ?)",
        [[r["test"], *(float(r[b]) for b in bounds), r["source"]] for r in rows],
    )


def write_review_statuses(con: duckdb.DuckDBPyConnection, path: Path = REVIEW_STATUSES_FILE) -> None:
    """The review statuses a finding can have and what each means: still open (on the reviewers' list),
    closed by a review (dispositioned), closed as a false positive."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    flags = ("is_open", "is_dispositioned", "is_false_positive")
    for line_no, row in enumerate(rows, start=2):
        values = {f: row[f].strip().lower() for f in flags}
        if any(v not in ("true", "false") for v in values.values()):
            raise RegistryError(f"{path} line {line_no}: {', '.join(flags)} must be true or false: {values}")
        if values["is_open"] == "true" and values["is_dispositioned"] == "true":
            raise RegistryError(f"{path} line {line_no}: status {row['status']} cannot be open and dispositioned")
    if not any(r["status"].strip() == "open" and r["is_open"].strip().lower() == "true" for r in rows):
        raise RegistryError(f"{path}: the status 'open' (a finding nobody reviewed yet) must be listed and open")
    con.execute("create schema if not exists core")
    con.execute(
        keyed(
            con,
            f"create or replace table {REVIEW_STATUSES_TABLE} (status varchar primary key, is_open boolean not null, "
            "is_dispositioned boolean not null, is_false_positive boolean not null, sort_order integer not null)",
        )
    )
    insert_rows(
        con,
        f"insert into {REVIEW_STATUSES_TABLE} values (?, ?, ?, ?, ?)",
        [[r["status"].strip(), *(r[f].strip().lower() == "true" for f in flags), int(r["sort_order"])] for r in rows],
    )


def review_statuses(path: Path = REVIEW_STATUSES_FILE) -> list[str]:
    """The review statuses, in their order (open first)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["sort_order"]))
    return [r["status"].strip() for r in rows]


def write_control_config(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load the registry, its parameters, the Benford bands and the review statuses; returns the tables written."""
    rules = load_registry()
    write_registry(con, rules)
    write_parameters(con, rules)
    write_benford_bands(con)
    write_review_statuses(con)
    return [REGISTRY_TABLE, PARAMETERS_TABLE, BENFORD_BANDS_TABLE, REVIEW_STATUSES_TABLE]
