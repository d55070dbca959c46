"""Source contracts: the YAML a user edits to onboard an export without touching Python.

A contract names the files of one entity, how to read them, and what a valid row is. Loading a contract
validates it; every problem is a ContractError whose message names the contract file, the column and the rule.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Literal

import duckdb
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipelines import yamlfile

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
# type: decimal is staged as DECIMAL(precision, scale): by default scale 9 and 16 digits before the point (as many
# as the DECIMAL(18,2) it replaced), so a file's digits are kept; a value with more decimals is a violation.
DEFAULT_DECIMAL_SCALE = 9
DECIMAL_INTEGER_DIGITS = 16
# strptime directives of a day and of a month as a number: a format with one of each can be read the other way round
DAY_DIRECTIVES = ("%d", "%-d")
MONTH_DIRECTIVES = ("%m", "%-m")
# load_contract(..., require_century=False): a contract with %y and no century_start still loads (only
# `kinerja validate-contracts` does that, to show the file's two-digit years next to the refusal)
SKIP_CENTURY_CHECK = "skip_century_check"


def format_directives(fmt: str) -> list[str]:
    """The % directives of a strptime format, in order (``%%`` is a literal percent sign)."""
    return re.findall(r"%-?[A-Za-z%]", fmt)


def has_two_digit_year(fmt: str) -> bool:
    return any(d in ("%y", "%-y") for d in format_directives(fmt))


def swapped_format(fmt: str) -> str | None:
    """The format with its day and month numbers exchanged (``%d/%m/%Y`` -> ``%m/%d/%Y``), or None when it
    has no numeric day and month (``%Y-%m``, ``%d %b %Y``)."""
    tokens = re.split(r"(%-?[A-Za-z%])", fmt)
    days = [i for i, t in enumerate(tokens) if t in DAY_DIRECTIVES]
    months = [i for i, t in enumerate(tokens) if t in MONTH_DIRECTIVES]
    if len(days) != 1 or len(months) != 1:
        return None
    tokens[days[0]], tokens[months[0]] = tokens[months[0]], tokens[days[0]]
    return "".join(tokens)


@lru_cache(maxsize=512)
def format_problem(fmt: str) -> str | None:
    """Why DuckDB cannot use ``fmt`` as a strptime format (None when it can)."""
    with duckdb.connect() as con:
        try:
            con.execute("select try_strptime('2000-01-01', ?)", [fmt]).fetchall()
        except duckdb.Error as exc:
            return str(exc).splitlines()[0]
    return None


def _yaml_number_as_text(value: object, where: str) -> object:
    """An unquoted YAML number as the text a file would hold (a boolean is refused: YAML reads yes/no as one)."""
    if isinstance(value, bool):
        raise ValueError(f'{where}: {value!r} is a YAML boolean: quote the text (e.g. "yes", "true") to mean the text')
    if isinstance(value, int | float):
        return str(value)
    return value


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
    allowed_values: list[str | int | float] | None = None  # numbers are read as their text: [1, 2] is ["1", "2"]
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
    # type: decimal is staged as DECIMAL(precision, scale): scale defaults to 9, precision to 16 + scale (max 38)
    precision: int | None = Field(None, ge=1, le=38)
    scale: int | None = Field(None, ge=0, le=38)
    # A value that breaks this column's checks: quarantine the whole row, or stage the row with the value null
    # and record the problem in meta.staging_flags
    on_error: Literal["quarantine_row", "null_and_flag"] = "quarantine_row"
    # Date or timestamp placeholders that mean "open" / "no end" (e.g. 9999-12-31): staged as null, never
    # quarantined as out of the plausible date range (written as ISO dates, whatever the column's formats)
    open_end: list[str] = Field(default_factory=list)

    @field_validator("open_end", mode="before")
    @classmethod
    def _open_end_as_text(cls, value: object) -> object:
        """A YAML date (9999-12-31 unquoted) is read as its ISO text."""
        if isinstance(value, list):
            return [v.isoformat() if isinstance(v, dt.date) else v for v in value]
        return value

    @field_validator("allowed_values", mode="before")
    @classmethod
    def _allowed_as_text(cls, value: object) -> object:
        if isinstance(value, list):
            return [_yaml_number_as_text(v, "allowed_values") for v in value]
        return value

    @field_validator("allowed_values")
    @classmethod
    def _allowed_of_the_type(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        """An integer or decimal column's allowed values are numbers (compared as numbers: 01 is 1)."""
        column_type = info.data.get("type")
        if value is None or column_type not in ("integer", "decimal"):
            return value
        typed = []
        for text in value:
            try:
                number = Decimal(text.strip())
            except InvalidOperation:
                raise ValueError(f"{text!r} is not a number, but the column is {column_type}") from None
            if not number.is_finite():
                raise ValueError(f"{text!r} is not a number, but the column is {column_type}")
            if column_type == "integer" and number != number.to_integral_value():
                raise ValueError(f"{text!r} is not a whole number, but the column is integer")
            typed.append(str(int(number)) if column_type == "integer" else text.strip())
        return typed

    @model_validator(mode="after")
    def _checks_fit_the_type(self, info: ValidationInfo) -> ColumnSpec:
        if (self.precision is not None or self.scale is not None) and self.type != "decimal":
            raise ValueError(f"precision and scale apply to type: decimal only, not {self.type}")
        if self.precision is not None and self.scale is None:
            raise ValueError("precision needs scale too (the number of decimal places), e.g. {precision: 12, scale: 2}")
        if self.precision is not None and self.scale is not None and self.scale > self.precision:
            raise ValueError(f"scale {self.scale} is larger than precision {self.precision}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is greater than max {self.max:g}: no value could pass")
        for fmt in self.formats:
            problem = format_problem(fmt)
            if problem is not None:
                raise ValueError(f"formats: {fmt!r} is not a strptime format DuckDB can read ({problem})")
        skip_century = bool((info.context or {}).get(SKIP_CENTURY_CHECK))
        two_digit = [f for f in self.formats if has_two_digit_year(f)]
        if two_digit and self.century_start is None and not skip_century:
            raise ValueError(
                f"formats {two_digit} read two-digit years (%y), which are ambiguous ('6/23/52' is 1952 or 2052): "
                "set century_start, the first year of the 100-year window they fall in (e.g. 1930 for birth "
                "dates, 2000 for recent transactions)"
            )
        if self.open_end:
            if self.type not in ("date", "timestamp"):
                raise ValueError(f"open_end applies to date and timestamp columns only, not {self.type}")
            for text in self.open_end:
                try:
                    (dt.date if self.type == "date" else dt.datetime).fromisoformat(text)
                except (TypeError, ValueError):
                    raise ValueError(f"open_end: {text!r} is not an ISO {self.type} (e.g. 9999-12-31)") from None
        if self.on_error == "null_and_flag":
            if self.required:
                raise ValueError(
                    "on_error: null_and_flag would leave a required column empty: use quarantine_row, or drop required"
                )
            if self.expr is not None:
                raise ValueError("on_error applies to columns read from the file (or a value/from_path), not to expr")
        return self

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
    def decimal_scale(self) -> int:
        """Decimal places a decimal column keeps (``scale``, default 9)."""
        return self.scale if self.scale is not None else DEFAULT_DECIMAL_SCALE

    @property
    def decimal_precision(self) -> int:
        """Digits a decimal column keeps in all (``precision``, default 16 + scale, at most 38)."""
        return self.precision if self.precision is not None else min(38, DECIMAL_INTEGER_DIGITS + self.decimal_scale)

    @property
    def sql_type(self) -> str:
        """The DuckDB type the column is staged as (a decimal with its own precision and scale)."""
        if self.type == "decimal":
            return f"DECIMAL({self.decimal_precision},{self.decimal_scale})"
        return DUCKDB_TYPES[self.type]

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
    # detect (byte-order mark, UTF-16 NUL pattern, else UTF-8 per line with cp1252 for the lines that are not),
    # or any text codec Python knows: utf-8, utf-8-sig, utf-16, utf-16-le, utf-16-be, cp1252, latin-1, ...
    encoding: str = "detect"
    delimiter: str = "detect"
    header_row: int | Literal["detect"] = "detect"
    quote: str = '"'
    header: bool = True  # false: the file has no header line; its first line is data
    columns: list[str] | None = None  # with header: false, the file's fields in order (default: columns: order)

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        if value == "detect":
            return value
        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"unknown encoding {value!r}: use detect or a codec name Python knows "
                "(utf-8, utf-8-sig, utf-16, utf-16-le, utf-16-be, cp1252, latin-1, ...)"
            ) from None
        if not getattr(info, "_is_text_encoding", True):
            raise ValueError(f"{value!r} is not a text encoding")
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if value != "detect" and len(value) != 1:
            raise ValueError("delimiter must be one character or 'detect'")
        return value

    @model_validator(mode="after")
    def _headerless(self) -> CsvOptions:
        if self.columns is not None and self.header:
            raise ValueError("columns gives the field order of a file without a header: set header: false too")
        if not self.header and self.header_row != "detect":
            raise ValueError("header_row and header: false contradict each other: a headerless file starts at line 1")
        if self.columns is not None:
            if not self.columns:
                raise ValueError("columns must name at least one column")
            twice = sorted({c for c in self.columns if self.columns.count(c) > 1})
            if twice:
                raise ValueError(f"columns names {twice} more than once")
        return self


class NumberFormat(_Strict):
    thousands_separator: str | None = None
    decimal_separator: str = "."
    strip: list[str] = Field(default_factory=lambda: ["Rp", "IDR", "$", "£", "€"])


class RowRule(_Strict):
    name: str
    sql: str
    reason: str


class ReplaceGuard(_Strict):
    """When a new version of a file may replace the loaded one under the same path."""

    # a new version with more than this share fewer rows than the version it replaces is held (100: never)
    max_row_drop_pct: float = Field(10, ge=0, le=100)


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
    duplicate_rows: Literal["warn", "error", "ignore"] = "warn"  # staging check: exact duplicate rows
    constant_columns: Literal["warn", "error", "ignore"] = "warn"  # staging check: a column with one value
    constant_columns_allowed: list[str] = Field(default_factory=list)  # columns that may hold one value
    expected_cadence_days: int | None = None
    # Deliveries: a shrunken re-delivery of a path is held; a file removed from landing leaves staging.
    replace_guard: ReplaceGuard = ReplaceGuard()
    on_file_removed: Literal["retract", "keep"] = "retract"
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
            if not spec.is_read:  # a computed column is named in the contract only, never in the file
                continue
            for alias in [name, *spec.aliases]:
                norm = normalise_header(alias)
                if norm in seen and seen[norm] != name:
                    raise ValueError(f"alias {alias!r} of column {name!r} is also an alias of {seen[norm]!r}")
                seen[norm] = name
        return self

    @field_validator("files")
    @classmethod
    def _some_files(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError('list at least one file pattern (e.g. ["hris/employees_*.csv"]): none loads nothing')
        return value

    @model_validator(mode="after")
    def _flagged_not_in_key(self) -> Contract:
        flagged = [k for k in self.primary_key if k in self.columns and self.columns[k].on_error == "null_and_flag"]
        if flagged:
            raise ValueError(
                f"primary_key column(s) {flagged} have on_error: null_and_flag; a key cannot be left empty: "
                "use quarantine_row"
            )
        return self

    @model_validator(mode="after")
    def _headerless_columns(self) -> Contract:
        if self.csv.columns is None:
            return self
        for name in self.csv.columns:
            if name not in self.columns:
                raise ValueError(f"csv.columns names {name!r}, which is not declared under columns")
            if not self.columns[name].is_read:
                raise ValueError(f"csv.columns names {name!r}, which is computed, not read from the file")
        absent = [c for c in self.required_columns() if c not in self.csv.columns]
        if absent:
            raise ValueError(f"csv.columns leaves out required or primary_key columns {absent}")
        return self

    @model_validator(mode="after")
    def _constant_columns_allowed_exist(self) -> Contract:
        unknown = [c for c in self.constant_columns_allowed if c not in self.columns]
        if unknown:
            raise ValueError(f"constant_columns_allowed names {unknown}, not declared under columns")
        return self

    @property
    def headerless_columns(self) -> list[str]:
        """With ``csv.header: false``, the file's fields in order: ``csv.columns``, else the read columns."""
        return list(self.csv.columns) if self.csv.columns is not None else list(self.read_columns)

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


# the contracts parsed in this process, by file: a night asks for each one about ten times (its steps, checks,
# catalog and pages), and parsing and validating the YAML is most of that. Only a file whose text is unchanged is
# taken from here; the models are frozen.
_parsed: dict[tuple[Path, bool], tuple[str, Contract]] = {}


def load_contract(path: Path, require_century: bool = True) -> Contract:
    """Parse and validate one contract file (``require_century=False``: accept %y without century_start, for
    `kinerja validate-contracts` to show the file's two-digit years; nothing else loads a contract so)."""
    text = path.read_text(encoding="utf-8")
    cached = _parsed.get((path, require_century))
    if cached is not None and cached[0] == text:
        return cached[1]
    contract = _parse_contract(path, text, require_century)
    _parsed[(path, require_century)] = (text, contract)
    return contract


def _parse_contract(path: Path, text: str, require_century: bool) -> Contract:
    try:
        data = yamlfile.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContractError(f"contract {path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"contract {path}: must be a mapping with entity, system, files and columns")
    try:
        contract = Contract.model_validate(data, context={SKIP_CENTURY_CHECK: not require_century})
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


def contract_conflicts(paths: list[Path]) -> dict[Path, str]:
    """Contracts that would write the tables or Dagster keys of an earlier one (in ``paths`` order), with why.

    A contract claims its file stem (its staging asset key) and its ``system__entity`` name (its tables and its
    checks' asset); a later contract that claims a taken one is refused, so two sources never overwrite each
    other's staging table or kill the definitions with a duplicate asset check key.
    """
    claimed: dict[str, tuple[Path, str]] = {}  # key -> (contract, "name" or "file stem")
    names: dict[Path, str | None] = {}
    conflicts: dict[Path, str] = {}
    for path in paths:
        try:
            name = load_contract(path, require_century=False).name
        except ContractError:
            name = None  # it fails with its own reason; its asset still takes the file stem
        names[path] = name
        keys = {path.stem: "file stem"} | ({name: "name"} if name and name != path.stem else {})
        taken = [(key, *claimed[key]) for key in keys if key in claimed]
        if taken:
            key, other, kind = taken[0]
            if name == key and names[other] == key:  # the same system and entity
                system, _, entity = key.partition("__")
                conflicts[path] = (
                    f"contract {path.name}: system {system!r} and entity {entity!r} are already those of "
                    f"{other.name}: two contracts would write staging.stg_{key}; give this source another system or "
                    "entity, or merge the two contracts (one contract can list several files patterns)"
                )
            else:
                conflicts[path] = (
                    f"contract {path.name}: {key} is already the {kind} of {other.name}: the two contracts would "
                    f"share the asset staging/stg_{key}; name the contract file after its system__entity"
                )
            continue
        for key, kind in keys.items():
            claimed[key] = (path, kind)
    return conflicts
