"""Source contracts: the YAML a user edits to onboard an export without touching Python.

A contract names the files of one entity, how to read them, and what a valid row is. Loading a contract
validates it; every problem is a ContractError whose message names the contract file, the column and the rule.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
CAPTURE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
ColumnType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean"]

DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


class ContractError(ValueError):
    """A contract that cannot be used; the message says which file, column and rule."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lookup(_Strict):
    """A mapping table: ``file`` (CSV, relative to the contract) with a ``from`` and a ``to`` column, and
    optionally ``effective_from`` / ``effective_to`` dates compared with the contract column ``date_column``."""

    file: str
    from_column: str = "from"
    to_column: str = "to"
    date_column: str | None = None


class ColumnSpec(_Strict):
    type: ColumnType = "string"
    aliases: list[str] = Field(default_factory=list)
    required: bool = False
    formats: list[str] = Field(default_factory=list)
    allowed_values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    description: str = ""
    personal: bool = False  # national id, tax id, bank account: never shown on dashboards
    default: str | None = None  # the value a blank cell means (e.g. 0 for "no overtime")
    century_start: int | None = None  # two-digit years (%y) fall in [century_start, century_start + 99]
    # Where the value comes from when it is not a column of the file (at most one of these):
    expr: str | None = None  # a SQL scalar expression over the contract's file columns, e.g. "debit - credit"
    value: str | int | float | bool | None = None  # a constant, e.g. "USD" or 2016
    from_path: str | None = None  # a {capture} of the files pattern, e.g. {period} in "spend/{period}.csv"
    # How a value is turned into the canonical one:
    map: dict[str, str | int | float | bool | None] | None = None  # source label -> canonical value
    lookup: Lookup | None = None  # the same from a CSV, optionally with effective dates
    negate_when: str | None = None  # a SQL condition under which the number changes sign (credit flag, refund)

    @model_validator(mode="after")
    def _one_source(self) -> ColumnSpec:
        sources = [k for k in ("expr", "value", "from_path") if getattr(self, k) is not None]
        if len(sources) > 1:
            raise ValueError(f"a column takes its value from one of expr, value or from_path, not {sources}")
        if sources and self.aliases:
            raise ValueError(f"a column computed with {sources[0]} is not read from the file: drop its aliases")
        if self.map is not None and self.lookup is not None:
            raise ValueError("use map or lookup, not both")
        if self.negate_when is not None and self.type not in ("integer", "decimal"):
            raise ValueError("negate_when applies to integer and decimal columns only")
        return self

    @property
    def is_derived(self) -> bool:
        """Computed after typing from other columns (``expr``), not read from the file."""
        return self.expr is not None

    @property
    def is_read(self) -> bool:
        """Read from a column of the file (the others come from an expression, a constant or the path)."""
        return self.expr is None and self.value is None and self.from_path is None

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value


class CsvOptions(_Strict):
    encoding: Literal["detect", "utf-8", "utf-8-sig", "cp1252", "latin-1"] = "detect"
    delimiter: str = "detect"
    header_row: int | Literal["detect"] = "detect"
    quote: str = '"'

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if value != "detect" and len(value) != 1:
            raise ValueError("delimiter must be one character or 'detect'")
        return value


class NumberFormat(_Strict):
    thousands_separator: str | None = None
    decimal_separator: str = "."
    strip: list[str] = Field(default_factory=lambda: ["Rp", "IDR", "$", "£", "€"])


class RowRule(_Strict):
    name: str
    sql: str
    reason: str


class Contract(_Strict):
    entity: str
    system: str
    domain: str
    description: str
    grain: str
    owner: str = "team:back-office-data"
    files: list[str]
    format: Literal["detect", "csv", "xlsx", "parquet"] = "detect"
    csv: CsvOptions = CsvOptions()
    sheet: str | int = 0
    null_values: list[str] = Field(default_factory=lambda: ["", "NULL", "null", "N/A", "NA", "-"])
    trim: bool = True
    number_format: NumberFormat = NumberFormat()
    columns: dict[str, ColumnSpec]
    primary_key: list[str] = Field(default_factory=list)
    row_rules: list[RowRule] = Field(default_factory=list)
    schema_drift: Literal["warn", "ignore", "fail"] = "warn"
    expected_cadence_days: int | None = None
    # Mapping into the canonical model (docs/canonical_model.md); a contract without maps_to stays in staging.
    maps_to: str | None = None
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")  # money columns' currency; default: reporting
    load_mode: Literal["append", "replace", "snapshot", "events"] = "append"
    filter: str | None = None  # SQL condition: staged rows that do not meet it are not passed to the entity
    key_prefix: str | None = None  # prepended to the entity's key columns, to keep two sources' ids apart
    priority: int = 100  # when two sources of an entity claim the same key, the lower number wins

    # filled by load_contract
    path: Path | None = None
    sha256: str = ""

    @field_validator("entity", "system")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"{value!r} must be lower_snake_case")
        return value

    @field_validator("columns")
    @classmethod
    def _column_names(cls, value: dict[str, ColumnSpec]) -> dict[str, ColumnSpec]:
        if not value:
            raise ValueError("at least one column is needed")
        for name in value:
            if not IDENTIFIER.match(name):
                raise ValueError(f"column name {name!r} must be lower_snake_case")
        return value

    @model_validator(mode="after")
    def _keys_exist(self) -> Contract:
        captures = {m for pattern in self.files for m in CAPTURE.findall(pattern)}
        for name, spec in self.columns.items():
            if spec.from_path is not None and spec.from_path not in captures:
                raise ValueError(
                    f"column {name!r}: from_path {spec.from_path!r} is not a {{capture}} of files {self.files}"
                )
        if not any(spec.is_read for spec in self.columns.values()):
            raise ValueError("at least one column must be read from the file")
        for key in self.primary_key:
            if key not in self.columns:
                raise ValueError(f"primary_key column {key!r} is not declared under columns")
        seen: dict[str, str] = {}
        for name, spec in self.columns.items():
            for alias in [name, *spec.aliases]:
                norm = normalise_header(alias)
                if norm in seen and seen[norm] != name:
                    raise ValueError(f"alias {alias!r} of column {name!r} is also an alias of {seen[norm]!r}")
                seen[norm] = name
        return self

    @property
    def staging_table(self) -> str:
        return f"stg_{self.system}__{self.entity}"

    @property
    def raw_table(self) -> str:
        return f"{self.system}__{self.entity}"

    @property
    def name(self) -> str:
        return f"{self.system}__{self.entity}"

    @property
    def read_columns(self) -> dict[str, ColumnSpec]:
        """The columns read from the file (kept in raw as text); the others are computed in staging."""
        return {name: spec for name, spec in self.columns.items() if spec.is_read}

    @property
    def path_captures(self) -> list[str]:
        """Names of the ``{capture}`` parts of the file patterns."""
        return sorted({m for pattern in self.files for m in CAPTURE.findall(pattern)})

    def globs(self) -> list[str]:
        """The file patterns with every ``{capture}`` read as ``*``."""
        return [CAPTURE.sub("*", pattern) for pattern in self.files]

    def alias_map(self) -> dict[str, str]:
        """Normalised source header -> canonical column name."""
        mapping = {}
        for name, spec in self.read_columns.items():
            for alias in [name, *spec.aliases]:
                mapping[normalise_header(alias)] = name
        return mapping

    def required_columns(self) -> list[str]:
        """Read columns the file must have (computed columns are checked per row in staging instead)."""
        return [name for name, spec in self.read_columns.items() if spec.required or name in self.primary_key]


def normalise_header(value: str) -> str:
    """Header comparison key: case, spacing, punctuation and a BOM do not matter."""
    value = value.replace("\ufeff", "").strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", value).strip("_")


def load_contract(path: Path) -> Contract:
    """Parse and validate one contract file."""
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContractError(f"contract {path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"contract {path}: must be a mapping with entity, system, files and columns")
    try:
        contract = Contract(**data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"{where}: {error['msg']}")
        raise ContractError(f"contract {path}: " + "; ".join(problems)) from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return contract.model_copy(update={"path": path, "sha256": digest})


def discover_contracts(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))
