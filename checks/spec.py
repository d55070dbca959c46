"""What a table's quality suite checks, as data: derived from the source contract for staging tables and read from
``assets/<domain>/sql/<table>.yaml`` for the rest (beside the table's model), so editing a contract or a YAML file
changes the suite.

A suite file (``assets/hr/sql/dim_employee.yaml``; staging extras, ``checks/suites/staging/<contract>.yaml``, use
the contract name as the file name):

    table: core.dim_employee           # core files only; the file stem must be the table name
    key: [employee_version_id]         # completeness of each column + uniqueness of the combination
    not_null: [employee_id, hire_date] # or {column: minimum share present, e.g. 0.95}
    unique: [[employee_id, valid_from]]
    allowed_values: {employment_type: [PKWTT, PKWT, INTERN]}
    ranges: {base_salary_idr: {min: 0}}
    patterns: {tax_id: '\\d{15,16}'}
    date_order: [{earlier: hire_date, later: termination_date}]
    relationships: {department_id: core.dim_department.department_id}
    rules: [{name: versions_do_not_overlap, sql: "<boolean SQL, may use window functions>", reason: "..."},
            {name: departments_add_up, query: "<select returning the failing rows>", reason: "..."}]
    row_count: {min: 1, max: 1}
    warn: {not_null: {tax_id: 0.95}}   # the same sections; their failures are recorded and never block
    engine: auto                       # auto | gx | sql (see checks/runner.py)
    scope: all                         # all | newest_load (staging only: the rows of the newest load)
                                       # | rebuilt_periods (a monthly-partitioned table: the months its
                                       #   last build rewrote, see pipelines/partitions.py)

A rule is either ``sql:``, a boolean condition every row must meet (evaluated on the table's rows in the suite's
scope), or ``query:``, a whole SELECT returning the failing rows, for what no single row can tell (an aggregate: the
departments' values add up to the company's; a comparison with another table). A query reads the whole warehouse
as written (name its tables in full, e.g. ``marts.kpi_values``), ignores the suite's scope and engine (it always runs
in DuckDB) and passes when it returns no row; the first rows it returns are the failing sample.

Top-level sections are ERROR checks (blocking: what is downstream does not run); ``warn:`` holds WARN checks
(recorded, never blocking): use it for what the demo plants as a control finding (a missing tax id), not a defect.
A check defined again under the same name replaces the earlier one (a staging extra can relax a contract rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from assets.ingest.contracts import Contract
from pipelines import yamlfile

SUITES_DIR = Path(__file__).parent / "suites"  # staging extras
# core and mart suites: beside the model that builds the table, in its domain's table folder
TABLES_DIR = Path(__file__).resolve().parents[1] / "assets"
ERROR, WARN = "ERROR", "WARN"
# Columns every staging table carries besides the contract's: the file version and line each row came from.
STAGING_META_COLUMNS = ("_file_sha256", "_source_path", "_line_no")
NEWEST_LOAD, ALL_ROWS, REBUILT_PERIODS = "newest_load", "all", "rebuilt_periods"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

DIMENSIONS = {
    "not_null": "completeness",
    "unique": "uniqueness",
    "in_set": "validity",
    "between": "validity",
    "pattern": "validity",
    "order": "consistency",
    "rule": "consistency",
    "relationship": "integrity",
    "row_count": "volume",
    "columns": "schema",
    "constant": "validity",
    "query": "consistency",
}
# Table-level checks: one verdict for the table (an observed value), not a count of failing rows of the table
# (a query rule counts the rows its query returns).
TABLE_KINDS = ("row_count", "columns", "constant", "query")
# Kinds run in DuckDB SQL whatever the suite's engine: no Great Expectations expectation expresses them.
SQL_ONLY_KINDS = ("constant", "query")


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class QualityCheck:
    """One expectation on one table, executable by Great Expectations (checks/gx_suite.py) or as SQL."""

    name: str
    kind: str  # a key of DIMENSIONS
    columns: tuple[str, ...]
    description: str
    severity: str = ERROR
    mostly: float = 1.0  # share of the considered rows that must pass (GX's `mostly`)
    values: tuple = ()  # in_set: the allowed values; columns: the expected column set
    min_value: float | None = None
    max_value: float | None = None
    pattern: str | None = None
    strict: bool = False  # order: later > earlier instead of >=
    sql: str | None = None  # rule: the boolean condition a row must meet; query: the SELECT of the failing rows
    parent: str | None = None  # relationship: schema.table.column
    also: tuple[str, ...] = ()  # relationship: values accepted besides the parent's keys ('ALL')

    @property
    def dimension(self) -> str:
        return DIMENSIONS[self.kind]

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    @property
    def parent_table(self) -> str | None:
        return self.parent.rsplit(".", 1)[0] if self.parent else None

    @property
    def parent_column(self) -> str | None:
        return self.parent.rsplit(".", 1)[1] if self.parent else None

    @property
    def rule_column(self) -> str:
        return f"_rule__{self.name}"

    @property
    def reference_column(self) -> str:
        return f"_ref__{self.name}"

    @property
    def threshold(self) -> str | None:
        if self.kind == "constant":
            return "no column holds one value in every row"
        if self.kind == "query":
            return "the query returns no row"
        if self.kind in ("row_count", "columns"):
            return None
        return "every row" if self.mostly >= 1 else f"at least {self.mostly:.0%} of rows"


@dataclass(frozen=True)
class Suite:
    """The quality checks of one warehouse table and how to run them."""

    table: str  # schema.table
    checks: tuple[QualityCheck, ...]
    key_columns: tuple[str, ...] = ()  # name failing rows in samples
    scope: str = ALL_ROWS
    engine: str = "auto"
    contract: str | None = None  # <system>__<entity> of a staging table (newest_load reads its manifest rows)
    sources: tuple[str, ...] = field(default_factory=tuple)  # files the suite was built from

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def name(self) -> str:
        return self.table.split(".")[1]

    @property
    def parent_tables(self) -> tuple[str, ...]:
        return tuple(sorted({c.parent_table for c in self.checks if c.parent_table and c.parent_table != self.table}))

    def columns_used(self) -> tuple[str, ...]:
        """Columns the checks read (rule conditions are evaluated in SQL and need no column of their own)."""
        used = list(self.key_columns)
        for check in self.checks:
            if check.kind not in ("rule", *TABLE_KINDS):  # constant columns are queried on the table itself
                used += [c for c in check.columns if c not in used]
        return tuple(dict.fromkeys(used))


# -- suite files ------------------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RangeSpec(_Strict):
    min: float | None = None
    max: float | None = None
    mostly: float = Field(1.0, gt=0, le=1)


class OrderSpec(_Strict):
    earlier: str
    later: str
    strict: bool = False
    mostly: float = Field(1.0, gt=0, le=1)


ColumnPath = Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+\.[a-z0-9_]+$")]  # schema.table.column


class RelationshipSpec(_Strict):
    to: ColumnPath
    also: list[str] = Field(default_factory=list)
    mostly: float = Field(1.0, gt=0, le=1)


class RuleSpec(_Strict):
    name: str = Field(pattern=NAME.pattern)
    sql: str | None = None  # a boolean condition on one row
    query: str | None = None  # a SELECT returning the failing rows (aggregates, other tables)
    reason: str
    mostly: float = Field(1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _one_of_sql_and_query(self) -> RuleSpec:
        if (self.sql is None) == (self.query is None):
            raise ValueError(f"rule {self.name}: give either sql (a condition on a row) or query (failing rows)")
        if self.query is not None and self.mostly < 1:
            raise ValueError(f"rule {self.name}: mostly needs sql; a query passes when it returns no row")
        return self


class UniqueSpec(_Strict):
    columns: list[str] = Field(min_length=1)
    mostly: float = Field(1.0, gt=0, le=1)


class AllowedSpec(_Strict):
    values: list[str | int | float | bool]
    mostly: float = Field(1.0, gt=0, le=1)


class Section(_Strict):
    key: list[str] = Field(default_factory=list)
    not_null: list[str] | dict[str, float] = Field(default_factory=list)
    unique: list[str | list[str] | UniqueSpec] = Field(default_factory=list)
    allowed_values: dict[str, list[str | int | float | bool] | AllowedSpec] = Field(default_factory=dict)
    ranges: dict[str, RangeSpec] = Field(default_factory=dict)
    patterns: dict[str, str] = Field(default_factory=dict)
    date_order: list[OrderSpec] = Field(default_factory=list)
    relationships: dict[str, ColumnPath | RelationshipSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    row_count: RangeSpec | None = None


class SuiteFile(Section):
    table: str | None = Field(None, pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    description: str = ""
    engine: Literal["auto", "gx", "sql"] = "auto"
    scope: Literal["all", "newest_load", "rebuilt_periods"] | None = None
    warn: Section = Section()


def read_suite_file(path: Path) -> SuiteFile:
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8")) or {}
        return SuiteFile(**data)
    except yaml.YAMLError as exc:
        raise SuiteError(f"suite {path}: not valid YAML: {exc}") from None
    except (ValidationError, TypeError) as exc:
        raise SuiteError(f"suite {path}: {exc}") from None


# -- checks of a section ----------------------------------------------------------------------------------------
def _sentence_values(values) -> str:
    shown = ", ".join(str(v) for v in list(values)[:12])
    return shown + (", ..." if len(values) > 12 else "")


def not_null_check(table: str, column: str, severity: str = ERROR, mostly: float = 1.0) -> QualityCheck:
    share = "Every row" if mostly >= 1 else f"At least {mostly:.0%} of the rows"
    return QualityCheck(
        f"completeness_{column}",
        "not_null",
        (column,),
        f"{share} of {table} must have {column}: fill it in the source export for the rows listed.",
        severity,
        mostly,
    )


def unique_check(table: str, columns: list[str], severity: str = ERROR, mostly: float = 1.0) -> QualityCheck:
    label = " + ".join(columns)
    rule = (
        f"{label} must identify one row of {table}"
        if mostly >= 1
        else f"At most {1 - mostly:.0%} of the rows of {table} may share their {label} with another row"
    )
    return QualityCheck(
        f"uniqueness_{'_'.join(columns)}",
        "unique",
        tuple(columns),
        f"{rule}: remove the duplicates listed from the source, or fix the join that multiplies them.",
        severity,
        mostly,
    )


def in_set_check(table: str, column: str, values, severity: str = ERROR, mostly: float = 1.0) -> QualityCheck:
    return QualityCheck(
        f"validity_{column}",
        "in_set",
        (column,),
        f"{column} of {table} must be one of {_sentence_values(values)}: correct the rows listed in the source, "
        "or add the value to the contract if it is legitimate.",
        severity,
        mostly,
        values=tuple(values),
    )


def range_check(table: str, column: str, spec: RangeSpec, severity: str = ERROR) -> QualityCheck:
    bounds = " and ".join(
        part
        for part in (
            f"at least {spec.min:g}" if spec.min is not None else "",
            f"at most {spec.max:g}" if spec.max is not None else "",
        )
        if part
    )
    return QualityCheck(
        f"validity_{column}_range",
        "between",
        (column,),
        f"{column} of {table} must be {bounds}: correct the rows listed in the source.",
        severity,
        spec.mostly,
        min_value=spec.min,
        max_value=spec.max,
    )


def pattern_check(table: str, column: str, pattern: str, severity: str = ERROR) -> QualityCheck:
    return QualityCheck(
        f"validity_{column}_pattern",
        "pattern",
        (column,),
        f"{column} of {table} must match {pattern}: correct the rows listed in the source.",
        severity,
        pattern=pattern,
    )


def order_check(table: str, spec: OrderSpec, severity: str = ERROR) -> QualityCheck:
    relation = "after" if spec.strict else "on or after"
    return QualityCheck(
        f"consistency_{spec.later}_after_{spec.earlier}",
        "order",
        (spec.later, spec.earlier),
        f"{spec.later} must be {relation} {spec.earlier} in {table} when both are known: correct the dates of "
        "the rows listed in the source.",
        severity,
        spec.mostly,
        strict=spec.strict,
    )


def relationship_check(table: str, column: str, spec: RelationshipSpec, severity: str = ERROR) -> QualityCheck:
    parent_table, parent_column = spec.to.rsplit(".", 1)
    extra = f" (or {', '.join(spec.also)})" if spec.also else ""
    return QualityCheck(
        f"integrity_{column}",
        "relationship",
        (column,),
        f"Every {column} of {table} must exist as {parent_column} in {parent_table}{extra}: add the missing "
        f"{parent_column} to its master or correct the rows listed.",
        severity,
        spec.mostly,
        parent=spec.to,
        also=tuple(spec.also),
    )


def rule_check(table: str, spec: RuleSpec, severity: str = ERROR) -> QualityCheck:
    if spec.query is not None:
        return QualityCheck(
            f"consistency_{spec.name}",
            "query",
            (),
            f"{spec.reason[0].upper()}{spec.reason[1:]} ({table}, rule {spec.name}): the rows listed are what the "
            "rule's query returns; correct the model or its inputs.",
            severity,
            sql=spec.query,
        )
    return QualityCheck(
        f"consistency_{spec.name}",
        "rule",
        (),
        f"{spec.reason[0].upper()}{spec.reason[1:]} ({table}, rule {spec.name}): correct the rows listed.",
        severity,
        spec.mostly,
        sql=spec.sql,
    )


def row_count_check(table: str, spec: RangeSpec, severity: str = ERROR) -> QualityCheck:
    bounds = f"between {spec.min:g} and {spec.max:g}" if spec.max is not None else f"at least {spec.min or 0:g}"
    return QualityCheck(
        "volume_row_count",
        "row_count",
        (),
        f"{table} must have {bounds} rows: rerun the model and look at its inputs if it has not.",
        severity,
        min_value=spec.min,
        max_value=spec.max,
    )


def duplicate_rows_check(table: str, columns: list[str], severity: str = WARN) -> QualityCheck:
    """Exact duplicate rows: the same value in every column (``_file_sha256`` among them: within one file)."""
    within = " within one file" if "_file_sha256" in columns else ""
    shown = [c for c in columns if c not in STAGING_META_COLUMNS]
    return QualityCheck(
        "uniqueness_exact_duplicate_rows",
        "unique",
        tuple(columns),
        f"No two rows of {table} may be identical in every column ({', '.join(shown)}){within}: an export that "
        "repeats rows counts them twice; remove the repeats from the source, or declare a primary_key if identical "
        "rows are legitimate and tell them apart.",
        severity,
    )


def constant_columns_check(table: str, columns: list[str], severity: str = WARN) -> QualityCheck:
    """Columns holding one and the same value in every row that has one (on all rows of the table, whatever the
    suite's scope: a month's file may well hold one period)."""
    return QualityCheck(
        "validity_no_constant_columns",
        "constant",
        tuple(columns),
        f"No column of {table} may hold one and the same value in every row ({CONSTANT_MIN_VALUES} or more values): "
        "an export whose amounts or codes are all alike is usually broken; check the export, or set the column "
        "with value: in the contract (or constant_columns: ignore) if it is constant by design.",
        severity,
    )


CONSTANT_MIN_VALUES = 10  # a column needs this many values before one value in all of them is suspicious


def _unique_spec(entry: str | list[str] | UniqueSpec) -> UniqueSpec:
    if isinstance(entry, UniqueSpec):
        return entry
    return UniqueSpec(columns=[entry] if isinstance(entry, str) else entry)


def section_checks(table: str, section: Section, severity: str) -> list[QualityCheck]:
    checks: list[QualityCheck] = []
    if section.key:
        checks += [not_null_check(table, c, severity) for c in section.key]
        checks.append(unique_check(table, section.key, severity))
    not_null = section.not_null if isinstance(section.not_null, dict) else dict.fromkeys(section.not_null, 1.0)
    checks += [not_null_check(table, c, severity, mostly) for c, mostly in not_null.items()]
    for entry in section.unique:
        spec = _unique_spec(entry)
        checks.append(unique_check(table, spec.columns, severity, spec.mostly))
    for column, allowed in section.allowed_values.items():
        spec = allowed if isinstance(allowed, AllowedSpec) else AllowedSpec(values=allowed)
        checks.append(in_set_check(table, column, spec.values, severity, spec.mostly))
    checks += [range_check(table, c, spec, severity) for c, spec in section.ranges.items()]
    checks += [pattern_check(table, c, p, severity) for c, p in section.patterns.items()]
    checks += [order_check(table, spec, severity) for spec in section.date_order]
    for column, target in section.relationships.items():
        spec = target if isinstance(target, RelationshipSpec) else RelationshipSpec(to=target)
        checks.append(relationship_check(table, column, spec, severity))
    checks += [rule_check(table, spec, severity) for spec in section.rules]
    if section.row_count is not None:
        checks.append(row_count_check(table, section.row_count, severity))
    return checks


def file_checks(table: str, suite_file: SuiteFile) -> list[QualityCheck]:
    return section_checks(table, suite_file, ERROR) + section_checks(table, suite_file.warn, WARN)


def merge_checks(*groups: list[QualityCheck]) -> tuple[QualityCheck, ...]:
    """Later definitions of a name replace earlier ones, in the earlier one's place."""
    merged: dict[str, QualityCheck] = {}
    for group in groups:
        for check in group:
            merged[check.name] = check
    return tuple(merged.values())


# -- staging: from the contract ---------------------------------------------------------------------------------
def _typed_values(values: list[str], column_type: str) -> tuple:
    if column_type == "integer":
        return tuple(int(v) for v in values)
    if column_type == "decimal":
        return tuple(float(v) for v in values)
    return tuple(values)


def contract_checks(contract: Contract) -> list[QualityCheck]:
    """What the contract promises about every staged row (staging enforces it; the suite proves it held)."""
    table = f"staging.{contract.staging_table}"
    checks = [not_null_check(table, c) for c in contract.required_columns()]
    if contract.primary_key:
        checks.append(unique_check(table, list(contract.primary_key)))
    for column, spec in contract.columns.items():
        if spec.allowed_values is not None:
            checks.append(in_set_check(table, column, _typed_values(spec.allowed_values, spec.type)))
        if spec.min is not None or spec.max is not None:
            checks.append(range_check(table, column, RangeSpec(min=spec.min, max=spec.max)))
        if spec.pattern is not None and spec.type == "string":
            checks.append(pattern_check(table, column, spec.pattern))
    checks += [rule_check(table, RuleSpec(name=r.name, sql=r.sql, reason=r.reason)) for r in contract.row_rules]
    checks += _delivery_checks(contract, table)
    checks.append(
        QualityCheck(
            "schema_columns_match_contract",
            "columns",
            (),
            f"{table} must have exactly the contract's columns ({contract.path.name if contract.path else ''}) "
            "plus the row's file and line: rebuild staging after a contract change.",
            values=tuple(contract.columns) + STAGING_META_COLUMNS,
        )
    )
    return checks


def _delivery_checks(contract: Contract, table: str) -> list[QualityCheck]:
    """Exact duplicate rows and constant columns (WARN, or ERROR or none by the contract's duplicate_rows and
    constant_columns). With a primary_key a duplicate row cannot be staged (the second is quarantined as a
    duplicate key), so the duplicate check is for contracts without one; in replace and snapshot mode every file
    is a whole picture, so a row is a duplicate only of a row of the same file."""
    severity = {"warn": WARN, "error": ERROR}
    checks = []
    if contract.duplicate_rows != "ignore" and not contract.primary_key:
        columns = list(contract.columns)
        columns += ["_file_sha256"] if contract.load_mode in ("replace", "snapshot") else []
        checks.append(duplicate_rows_check(table, columns, severity[contract.duplicate_rows]))
    # a constant (value:) or a part of the file name (from_path) is constant by design, a primary key column may be
    # (one company code beside the id), and the contract may allow others (one bank account, one fiscal year)
    allowed = set(contract.primary_key) | set(contract.constant_columns_allowed)
    varying = [
        c for c, spec in contract.columns.items() if spec.value is None and spec.from_path is None and c not in allowed
    ]
    if contract.constant_columns != "ignore" and varying:
        checks.append(constant_columns_check(table, varying, severity[contract.constant_columns]))
    return checks


def staging_suite(contract: Contract, suites_dir: Path = SUITES_DIR) -> Suite:
    """The contract's checks plus ``suites/staging/<contract>.yaml`` (referential integrity, WARN checks)."""
    table = f"staging.{contract.staging_table}"
    extras_path = suites_dir / "staging" / f"{contract.name}.yaml"
    extras = read_suite_file(extras_path) if extras_path.exists() else SuiteFile()
    if extras.table not in (None, table):
        raise SuiteError(f"suite {extras_path}: table {extras.table!r} is not {table!r}")
    # Periodic drops (a file a month) are large facts: check the rows of the newest load, not every month again.
    default_scope = NEWEST_LOAD if contract.expected_cadence_days else ALL_ROWS
    sources = [str(contract.path)] if contract.path else []
    return Suite(
        table=table,
        checks=merge_checks(contract_checks(contract), file_checks(table, extras)),
        key_columns=tuple(contract.primary_key) or ("_source_path", "_line_no"),
        scope=extras.scope or default_scope,
        engine=extras.engine,
        contract=contract.name,
        sources=tuple(sources + ([str(extras_path)] if extras_path.exists() else [])),
    )


# -- core (and any other layer): from YAML ----------------------------------------------------------------------
def yaml_suite(path: Path) -> Suite:
    suite_file = read_suite_file(path)
    if suite_file.table is None or suite_file.table.split(".")[1] != path.stem:
        raise SuiteError(f"suite {path}: `table` must be <schema>.{path.stem}")
    if suite_file.scope == NEWEST_LOAD:
        raise SuiteError(f"suite {path}: scope newest_load needs a staging table's manifest rows")
    key = suite_file.key or next((_unique_spec(u).columns for u in suite_file.unique), [])
    return Suite(
        table=suite_file.table,
        checks=merge_checks(file_checks(suite_file.table, suite_file)),
        key_columns=tuple(key),
        scope=suite_file.scope or ALL_ROWS,
        engine=suite_file.engine,
        sources=(str(path),),
    )


def suite_files(tables_dir: Path = TABLES_DIR) -> list[Path]:
    """Every core and mart suite file: ``<domain>/sql/<table>.yaml``."""
    return sorted(tables_dir.glob("*/sql/*.yaml"))


def yaml_suites(layer: str, tables_dir: Path = TABLES_DIR) -> list[Suite]:
    """The suites of the tables of ``layer`` (core, marts, ...)."""
    suites = [yaml_suite(p) for p in suite_files(tables_dir)]
    return [s for s in suites if s.table.split(".")[0] == layer]
