"""Staging: typed rows that keep their contract go to ``staging``, the others to ``quarantine`` with a reason.

Both tables are rebuilt from the active file versions in ``raw`` on every run, so a rerun gives identical
tables and a contract change (a new rule, a new date format) applies to everything already loaded.
Afterwards every active file's manifest row says how many of its rows were staged and quarantined.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.ingest.contracts import CAPTURE, DUCKDB_TYPES, ColumnSpec, Contract, has_two_digit_year
from pipelines.db import (
    BATCH_ROWS,
    add_rows,
    in_batches,
    keyed,
    rebuild_name,
    rebuilding,
    scalar,
    swap_in,
    table_exists,
    transaction,
    upsert,
)
from pipelines.resources import isolated_connection

# Control characters a text cell must not hold: C0 codes (NUL included) and DEL; tab, line feed and carriage
# return are kept (a quoted CSV field may span lines). A NUL or an escape code in an export means a corrupt file or
# the wrong encoding: the row is quarantined (rule control_characters) rather than cleaned, since removing the
# code would silently change an identifier or a key.
CONTROL_CHARACTERS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
# The plausible date range when no settings are at hand (settings: plausible_date_min, plausible_date_max).
PLAUSIBLE_DATES = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))

TRUE_VALUES = ("true", "t", "yes", "y", "1", "ya")
FALSE_VALUES = ("false", "f", "no", "n", "0", "tidak")


@dataclass(frozen=True)
class StagingResult:
    rows_staged: int
    rows_quarantined: int


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def one_of(value: str, texts) -> str:
    """``value`` is one of ``texts`` (null when value is null, as ``in``): a list lookup per row, where DuckDB
    turns ``value in (...)`` into a join, twice the cost of a column's null-marker test on a large source."""
    return f"list_contains([{', '.join(lit(t) for t in texts)}], {value})"


def _text(column: str) -> str:
    return f"v_{column}"


def _number_text(contract: Contract, column: str) -> str:
    """Text of a number with currency symbols, spaces and thousands separators removed; (x) means -x. A bare
    number (``_bare_number``), which none of that changes, is taken as it is: most values of a large export are
    bare, and the regular expressions cost most of a number column's staging."""
    fmt = contract.number_format
    expr = _text(column)
    for symbol in fmt.strip:
        expr = f"replace({expr}, {lit(symbol)}, '')"
    if fmt.thousands_separator:
        expr = f"replace({expr}, {lit(fmt.thousands_separator)}, '')"
    if fmt.decimal_separator != ".":
        expr = f"replace({expr}, {lit(fmt.decimal_separator)}, '.')"
    expr = f"regexp_replace({expr}, '\\s', '', 'g')"
    cleaned = f"regexp_replace({expr}, '^\\((.*)\\)$', '-\\1')"
    return f"case when {_bare_number(contract, _text(column))} then {_text(column)} else {cleaned} end"


def _bare_number(contract: Contract, v: str, point: bool = True) -> str:
    """SQL: ``v`` is made only of characters the cleaning of ``_number_text`` leaves alone (digits, the minus sign
    and, with ``point``, the point unless the format strips it or uses it between thousands)."""
    fmt = contract.number_format
    touched = set("".join(fmt.strip)) | set(fmt.thousands_separator or "") | set(fmt.decimal_separator) - {"."}
    kept = "".join(c for c in "0123456789-" + ("." if point else "") if c not in touched)
    return f"ltrim({v}, {lit(kept)}) = ''"


def _number(column: str) -> str:
    """The column's number text (``_number_text``), computed once per row in staging's ``numbers`` step (a
    contract column name cannot start with ``_``, so the name is free)."""
    return f"_num_{column}"


def decimal_places(number: str) -> str:
    """SQL: the decimal places the number text ``number`` is written with, trailing zeros aside
    (``1.50`` 1, ``239.554`` 3, ``1.5e-3`` 4, ``150e-2`` 1, ``1200`` 0)."""
    fraction = f"length(regexp_extract({number}, '\\.([0-9]*)', 1))"
    exponent = f"coalesce(try_cast(nullif(regexp_extract({number}, '[eE]([+-]?[0-9]+)$', 1), '') as integer), 0)"
    digits = f"replace(regexp_extract({number}, '^[+-]?([0-9.]*)', 1), '.', '')"
    zeros = f"(length({digits}) - length(rtrim({digits}, '0')))"
    return (
        f"case when not contains({number}, '.') and not contains(lower({number}), 'e') then 0 "
        f"else greatest(0, {fraction} - {exponent} - {zeros}) end"
    )


def _century_window(parsed: str, spec: ColumnSpec) -> str:
    """A date read with %y moved into [century_start, century_start + 99] (DuckDB reads 00-68 as 20xx, 69-99 as
    19xx)."""
    start = spec.century_start
    return (
        f"(case when year({parsed}) >= {start + 100} then {parsed} - interval 100 year "
        f"when year({parsed}) < {start} then {parsed} + interval 100 year else {parsed} end)"
    )


def typed_expression(contract: Contract, column: str, spec: ColumnSpec) -> str:
    """SQL for the column's typed value from its text ``v_<column>`` (and, for numbers, ``_num_<column>``).

    Nothing is rounded: an integer written with decimals, or a decimal with more places than its scale, is a
    violation (``type_integer``, ``decimal_scale``), not a rounded value.
    """
    v = _text(column)
    if spec.type == "string":
        return v
    if spec.type == "decimal":
        return f"try_cast({_number(column)} as {spec.sql_type})"
    if spec.type == "integer":
        # digits alone (the common case) read straight as a bigint: the decimal(38,0) parse takes four times as long
        n = _number(column)
        return (
            f"case when {_bare_number(contract, v, point=False)} then try_cast({v} as bigint) "
            f"when {decimal_places(n)} = 0 then try_cast(try_cast({n} as decimal(38,0)) as bigint) end"
        )
    if spec.type in ("date", "timestamp"):
        target = DUCKDB_TYPES[spec.type]
        if not spec.formats:
            return f"try_cast({v} as {target})"
        tries = []
        for fmt in spec.formats:
            parsed = f"try_strptime({v}, {lit(fmt)})"
            if has_two_digit_year(fmt) and spec.century_start is not None:
                parsed = _century_window(parsed, spec)
            tries.append(f"{parsed}::{target}")
        return f"coalesce({', '.join(tries)})" if len(tries) > 1 else tries[0]
    lowered = f"lower({v})"
    return f"case when {one_of(lowered, TRUE_VALUES)} then true when {one_of(lowered, FALSE_VALUES)} then false end"


# An empty list of violations, typed like the lists _violation builds.
NO_VIOLATIONS = "[]::struct(rule varchar, column_name varchar, message varchar)[]"


class Violation(str):
    """The SQL of a rule a row may break: its violation (a struct) when ``condition`` holds, else null."""

    condition: str


def _violation(rule: str, column: str | None, message_sql: str, condition: str) -> Violation:
    col = lit(column) if column else "null::varchar"
    violation = Violation(
        f"case when {condition} then struct_pack(rule := {lit(rule)}, column_name := {col}, "
        f"message := {message_sql}) end"
    )
    violation.condition = condition
    return violation


def violation_list(violations: list[Violation]) -> str:
    """The rules of ``violations`` a row breaks, as a list. The list is built for a row that breaks one of them
    only: most rows break none, and building and filtering a list for every row cost 40% of staging."""
    if not violations:
        return NO_VIOLATIONS
    broken = " or ".join(f"({v.condition})" for v in violations)
    found = f"list_filter([{', '.join(violations)}], lambda x: x is not null)"
    return f"case when {broken} then {found} else {NO_VIOLATIONS} end"


def plausible_dates() -> tuple[dt.date, dt.date]:
    """The settings' plausible date range (``PLAUSIBLE_DATES`` when the settings cannot be read)."""
    try:
        from pipelines.settings import get_settings

        settings = get_settings()
    except Exception:  # noqa: BLE001 - staging works without a settings file (tests, a bare connection)
        return PLAUSIBLE_DATES
    return settings.plausible_date_min, settings.plausible_date_max


# Whether any landed value of the row holds a control character (``screened`` in staging_sql): one expression per
# row, so that a column's own test runs only on the rare rows that have one (a test per column cost 13% of staging).
ANY_CONTROL_CHARACTER = "_any_control_character"


def _control_character_check(column: str, v: str) -> Violation:
    code = f"'U+' || lpad(upper(hex(ord(regexp_extract({v}, {lit(CONTROL_CHARACTERS)})))), 4, '0')"
    return _violation(
        "control_characters",
        column,
        f"{lit(column + ': the value holds the control character ')} || {code} "
        f"|| {lit(' (a corrupt export or the wrong encoding): correct the file and deliver it again')}",
        f"{ANY_CONTROL_CHARACTER} and {v} is not null and regexp_matches({v}, {lit(CONTROL_CHARACTERS)})",
    )


def _date_range_check(column: str, spec: ColumnSpec, dates: tuple[dt.date, dt.date]) -> Violation:
    t, target = q(column), DUCKDB_TYPES[spec.type]
    low, high = dates
    last = high.isoformat() + (" 23:59:59.999999" if spec.type == "timestamp" else "")
    advice = (
        f" is outside the plausible range {low.isoformat()} to {high.isoformat()} (settings plausible_date_min and "
        "plausible_date_max); a placeholder that means no end belongs in the column's open_end"
    )
    return _violation(
        "date_out_of_range",
        column,
        f"{lit(column + ': ')} || {t}::varchar || {lit(advice)}",
        f"{t} is not null and not ({t} between {target} {lit(low.isoformat())} and {target} {lit(last)})",
    )


def column_violations(
    column: str, spec: ColumnSpec, text: str | None = None, dates: tuple[dt.date, dt.date] = PLAUSIBLE_DATES
) -> list[Violation]:
    """The contract's rules for one column; ``text`` is the value as text (default: the landed text ``v_col``),
    ``dates`` the plausible range of a date or timestamp column."""
    v, t = text or _text(column), q(column)
    shown = f"coalesce('''' || {v} || '''', 'empty')"
    checks = []
    if text is None:
        checks.append(_control_character_check(column, v))
    if spec.type in ("date", "timestamp"):
        checks.append(_date_range_check(column, spec, dates))
    if spec.type != "string" and text is None:
        noun = {
            "integer": "a whole number",
            "decimal": f"a number with at most {spec.decimal_precision - spec.decimal_scale} digits before the "
            "decimal point",
            "date": "a date",
            "timestamp": "a timestamp",
            "boolean": "true or false",
        }[spec.type]
        expect = noun + (f" in format {' or '.join(spec.formats)}" if spec.formats else "")
        checks.append(
            _violation(
                f"type_{spec.type}",
                column,
                f"{lit(column + ': ')} || {shown} || {lit(' is not ' + expect)}",
                f"{v} is not null and {t} is null",
            )
        )
    if spec.type == "decimal" and text is None:
        places = decimal_places(_number(column))
        advice = f" decimal places, more than its scale {spec.decimal_scale} (not rounded): correct the value or "
        advice += "declare a larger scale"
        checks.append(
            _violation(
                "decimal_scale",
                column,
                f"{lit(column + ': ')} || {shown} || ' has ' || ({places}) || {lit(advice)}",
                f"{t} is not null and ({places}) > {spec.decimal_scale}",
            )
        )
    if spec.required:
        checks.append(_violation("required", column, lit(f"{column}: a value is required"), f"{v} is null"))
    if spec.allowed_values is not None:
        if spec.type in ("integer", "decimal"):  # compared as numbers: 01, 1 and 1.0 are one value
            allowed = ", ".join(f"try_cast({lit(a)} as {spec.sql_type})" for a in spec.allowed_values)
            condition = f"{t} is not null and {t} not in ({allowed})"
        else:
            condition = f"{v} is not null and not {one_of(v, spec.allowed_values)}"
        checks.append(
            _violation(
                "allowed_values",
                column,
                f"{lit(column + ': ')} || {shown} || {lit(' is not one of ' + ', '.join(spec.allowed_values))}",
                condition,
            )
        )
    if spec.pattern is not None:
        checks.append(
            _violation(
                "pattern",
                column,
                f"{lit(column + ': ')} || {shown} || {lit(' does not match ' + spec.pattern)}",
                f"{v} is not null and not regexp_full_match({v}, {lit(spec.pattern)})",
            )
        )
    if spec.min is not None:
        checks.append(
            _violation(
                "min_value",
                column,
                f"{lit(column + ': ')} || {shown} || {lit(f' is below the minimum {spec.min:g}')}",
                f"{t} < {spec.min}",
            )
        )
    if spec.max is not None:
        checks.append(
            _violation(
                "max_value",
                column,
                f"{lit(column + ': ')} || {shown} || {lit(f' is above the maximum {spec.max:g}')}",
                f"{t} > {spec.max}",
            )
        )
    return checks


def glob_regex(pattern: str) -> str:
    """A files pattern as a regular expression over the landed path, one group per ``{capture}``."""
    out = []
    for part in re.split(r"(\{[a-z][a-z0-9_]*\}|\*\*|\*|\?)", pattern):
        if not part:
            continue
        if part.startswith("{"):
            out.append("([^/]*?)")
        elif part == "**":
            out.append(".*")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(part))
    return "^" + "".join(out) + "$"


def path_capture(contract: Contract, capture: str) -> str:
    """SQL for the text a ``{capture}`` of the files pattern matched in ``r._source_path``."""
    tries = []
    for pattern in contract.files:
        names = CAPTURE.findall(pattern)
        if capture in names:
            group = names.index(capture) + 1
            tries.append(f"nullif(regexp_extract(r._source_path, {lit(glob_regex(pattern))}, {group}), '')")
    return f"coalesce({', '.join(tries)})" if len(tries) > 1 else tries[0]


def _constant(value: object) -> str:
    if isinstance(value, bool):
        return lit("true" if value else "false")
    return lit(value)


def lookup_rows(contract: Contract, spec: ColumnSpec) -> list[dict[str, str]]:
    """The rows of a column's lookup CSV (relative to the contract file)."""
    base = contract.path.parent if contract.path else Path(".")
    path = base / spec.lookup.file
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _mapped(contract: Contract, column: str, spec: ColumnSpec) -> tuple[str, str]:
    """(mapped text, condition that the label has no mapping) for a column with ``map`` or ``lookup``."""
    v = _text(column)
    branches, known = [], []
    if spec.map is not None:
        for label, target in spec.map.items():
            value = "null" if target is None else _constant(target)
            branches.append(f"when {v} = {lit(label)} then {value}")
            known.append(f"{v} = {lit(label)}")
    else:
        lk = spec.lookup
        date_expr = None
        if lk.date_column:
            date_expr = typed_expression(contract, lk.date_column, contract.columns[lk.date_column])
        for row in lookup_rows(contract, spec):
            condition = f"{v} = {lit(row[lk.from_column])}"
            if date_expr is not None:
                start, end = row.get("effective_from") or "0001-01-01", row.get("effective_to") or "9999-12-31"
                condition += f" and {date_expr} between date {lit(start)} and date {lit(end)}"
            target = row[lk.to_column]
            branches.append(f"when {condition} then {lit(target) if target != '' else 'null'}")
            known.append(f"({condition})")
    if not branches:
        return "null::varchar", f"{v} is not null"
    return f"case {' '.join(branches)} end", f"{v} is not null and not ({' or '.join(known)})"


def _map_violation(contract: Contract, column: str, spec: ColumnSpec) -> Violation:
    source = "the map" if spec.map is not None else f"lookup {spec.lookup.file}"
    shown = f"coalesce('''' || _label_{column} || '''', 'empty')"
    return _violation(
        "value_map", column, f"{lit(column + ': ')} || {shown} || {lit(' is not in ' + source)}", f"_unmapped_{column}"
    )


def _ranked_keys(pk_key: list[str], seen: str) -> str:
    """The ``keyed`` step of ``staging_sql`` for a source with a primary key: each row's rank among the rows of
    its key with errors or without (in load order), the first of them, and where a staged row took the key
    (``seen``, null when none did). Most keys have one row, first by itself, so only the rows of the keys that more
    than one row without errors shares (``duplicated``) are ranked: a window over every row sorted all of them with
    every column, a quarter of the staging time of a large source. A missing key part compares equal, as in the
    window's partitions."""
    pk_cols = ", ".join(pk_key)
    window = f"partition by {pk_cols}, len(_errors) = 0 order by _file_order, _source_path, _line_no"
    same_key = " and ".join(f"ruled.{c} is not distinct from d.{c}" for c in pk_key)
    return f"""duplicated as (
            select {pk_cols} from ruled where len(_errors) = 0 group by all having count(*) > 1
        ),
        keyed as (
            select ruled.*, 1 as _pk_rank, {seen} as _seen_before,
                   struct_pack(p := _source_path, l := _line_no) as _first_in_load
            from ruled
            anti join duplicated d on {same_key}
            union all
            select ruled.*, row_number() over ({window}) as _pk_rank, {seen} as _seen_before,
                   first_value(struct_pack(p := _source_path, l := _line_no)) over ({window}) as _first_in_load
            from ruled
            semi join duplicated d on {same_key}
        ),"""


def staging_sql(
    contract: Contract,
    files: list[str] | None = None,
    existing: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
) -> str:
    """The query that types active raw rows and lists each row's contract violations.

    ``files`` limits it to some file versions (an incremental build); ``existing`` names the staging table
    whose keys count as already taken, so a key staged by an earlier file is a duplicate here too; ``dates`` is
    the plausible date range (default: the settings').
    """
    dates = dates or plausible_dates()
    cols = list(contract.columns)
    read = list(contract.read_columns)
    derived = {c: spec for c, spec in contract.columns.items() if spec.is_derived}
    landed = {c: spec for c, spec in contract.columns.items() if not spec.is_derived}
    clean = []
    for c, spec in landed.items():
        if spec.value is not None:
            value = _constant(spec.value)
        elif spec.from_path is not None:
            value = path_capture(contract, spec.from_path)
        else:
            value = f"trim(r.{q(c)})" if contract.trim else f"r.{q(c)}"
        blank = lit(spec.default) if spec.default is not None else "null"
        marker = one_of(value, contract.null_values)
        clean.append(f"case when {marker} or {value} is null then {blank} else {value} end as v_{c}")
    mapped_cols = {c: spec for c, spec in landed.items() if spec.map is not None or spec.lookup is not None}
    mapping = [_mapped(contract, c, spec) for c, spec in mapped_cols.items()]
    mapped = (
        "select * replace ("
        + ", ".join(f"{m[0]} as v_{c}" for c, m in zip(mapped_cols, mapping, strict=True))
        + "), "
        + ", ".join(
            f"{m[1]} as _unmapped_{c}, cleaned.v_{c} as _label_{c}" for c, m in zip(mapped_cols, mapping, strict=True)
        )
        + " from cleaned"
        if mapped_cols
        else "select * from cleaned"
    )
    # the number text of integer and decimal columns, once per row (typing and decimal_scale read it)
    numeric = [c for c, s in landed.items() if s.type in ("integer", "decimal")]
    numbers = (
        f"select *, {', '.join(f'{_number_text(contract, c)} as {_number(c)}' for c in numeric)} from mapped"
        if numeric
        else "select * from mapped"
    )
    # open_end: a date placeholder meaning "no end" (9999-12-31) is a blank cell, before typing and its checks
    opened_cols = {c: s for c, s in landed.items() if s.open_end}
    opened = (
        "select * replace ("
        + ", ".join(
            f"case when ({typed_expression(contract, c, s)}) in "
            f"({', '.join(f'{DUCKDB_TYPES[s.type]} {lit(v)}' for v in s.open_end)}) then null else v_{c} end as v_{c}"
            for c, s in opened_cols.items()
        )
        + ") from numbers"
        if opened_cols
        else "select * from numbers"
    )
    typed = [f"{typed_expression(contract, c, s)} as {q(c)}" for c, s in landed.items()]

    def _column_checks(c: str, s: ColumnSpec) -> list[str]:
        return column_violations(c, s, dates=dates) + ([_map_violation(contract, c, s)] if c in mapped_cols else [])

    # on_error: null_and_flag columns: their violations are flags (the value becomes null, the row is staged)
    flagged = {c: s for c, s in landed.items() if s.on_error == "null_and_flag"}
    checks = [chk for c, s in landed.items() if c not in flagged for chk in _column_checks(c, s)]
    flag_checks = [chk for c, s in flagged.items() for chk in _column_checks(c, s)]
    flags = violation_list(flag_checks)
    checked = violation_list(checks)
    nulled = (
        "select * replace ("
        + ", ".join(
            f"case when list_contains(list_transform(_flags, lambda x: x.column_name), {lit(c)}) then null "
            f"else {q(c)} end as {q(c)}"
            for c in flagged
        )
        + ") from typed"
        if flagged
        else "select * from typed"
    )
    all_null = " and ".join(f"v_{c} is null" for c in read)
    rules = [_violation(r.name, None, lit(r.reason), f"not coalesce(({r.sql}), true)") for r in contract.row_rules]
    derived_select = ", ".join(
        f"try_cast(try({spec.expr}) as {spec.sql_type}) as {q(c)}" for c, spec in derived.items()
    )
    negated = {c: spec for c, spec in contract.columns.items() if spec.negate_when}
    negate = (
        "select * replace ("
        + ", ".join(
            f"case when coalesce(({s.negate_when}), false) then -{q(c)} else {q(c)} end as {q(c)}"
            for c, s in negated.items()
        )
        + ") from with_derived"
        if negated
        else "select * from with_derived"
    )
    derived_checks = [
        chk for c, spec in derived.items() for chk in column_violations(c, spec, text=f"{q(c)}::varchar", dates=dates)
    ]
    derived_errors = violation_list(derived_checks)
    pk = contract.primary_key
    # a replace or snapshot source repeats its keys in every file: a key is unique within its file only
    per_file = contract.load_mode in ("replace", "snapshot")
    if per_file:
        existing = None
    pk_key = [*(q(k) for k in pk), *(["_file_sha256"] if per_file and pk else [])]
    pk_cols = ", ".join(pk_key)
    pk_text = " || ', ' || ".join(f"{lit(k + '=')} || coalesce({q(k)}::varchar, '')" for k in pk) if pk else "''"
    first_seen = "coalesce(_seen_before, _first_in_load.p || ' line ' || _first_in_load.l)"
    dup_message = f"'duplicate primary key (' || {pk_text} || '): first staged from ' || {first_seen}" if pk else "null"
    only = f"where a.file_sha256 in ({', '.join(lit(f) for f in files)})" if files is not None else ""
    # the staged rows of the new rows' keys only: grouping every staged key cost a new month most of its staging.
    # Looked up per row (a scalar subquery, so the few taken keys are what is hashed): as a left join, once the staged
    # rows outnumbered a batch's, DuckDB hashed the batch's wide rows instead, a third of a large rebuild's staging.
    taken = (
        f"taken as (select {pk_cols}, min(_source_path || ' line ' || _line_no) as _seen from {existing} "
        f"semi join (select {pk_cols} from ruled) k using ({pk_cols}) group by all),"
        if pk and existing
        else ""
    )
    same_taken = " and ".join(f"t.{c} = ruled.{c}" for c in pk_key)
    seen = f"(select t._seen from taken t where {same_taken})" if taken else "null::varchar"
    keyed = (
        taken + _ranked_keys(pk_key, seen)
        if pk
        else """keyed as (
            select ruled.*, 1 as _pk_rank, null::varchar as _seen_before, null as _first_in_load
            from ruled
        ),"""
    )
    rule_list = (
        f"list_concat(_type_errors, _derived_errors, {violation_list(rules)})"
        if rules
        else "list_concat(_type_errors, _derived_errors)"
    )
    return f"""
        with active as (
            select file_sha256, loaded_at, row_number() over (order by loaded_at, source_path) as _file_order
            from meta.load_manifest where contract = {lit(contract.name)} and status = 'loaded'
        ),
        cleaned as (
            select r._file_sha256, r._source_path, r._line_no, a._file_order,
                   {", ".join(f"r.{q(c)} as {q('_raw_' + c)}" for c in read)},
                   {", ".join(clean)}
            from raw.{contract.raw_table} r join active a on a.file_sha256 = r._file_sha256
            {only}
        ),
        mapped as (
            {mapped}
        ),
        numbers as (
            {numbers}
        ),
        opened as (
            {opened}
        ),
        screened as (
            select *, regexp_matches(concat({", ".join(_text(c) for c in landed)}), {lit(CONTROL_CHARACTERS)})
                as {ANY_CONTROL_CHARACTER}
            from opened
        ),
        typed as (
            select *, {", ".join(typed)},
                   case when {all_null}
                        then [struct_pack(rule := 'blank_row', column_name := null::varchar,
                                          message := 'the row has no values')]
                        else {checked} end as _type_errors,
                   case when {all_null} then {NO_VIOLATIONS} else {flags} end as _flags
            from screened
        ),
        nulled as (
            -- on_error: null_and_flag: a value that breaks its column's checks becomes null; _flags says why
            {nulled}
        ),
        with_derived as (
            select *{", " + derived_select if derived else ""} from nulled
        ),
        signed as (
            {negate}
        ),
        with_derived_errors as (
            select *, {derived_errors} as _derived_errors from signed
        ),
        ruled as (
            select *, {rule_list} as _errors from with_derived_errors
        ),
        {keyed}
        judged as (
            select *,
                   -- every violated rule of a quarantined row, the flags of its null_and_flag columns last
                   case when len(_errors) = 0 and (_pk_rank > 1 or _seen_before is not null)
                        then list_concat([struct_pack(rule := 'primary_key_unique', column_name := {lit(", ".join(pk))},
                                                      message := {dup_message})], _flags)
                        when len(_errors) > 0 then list_concat(_errors, _flags)
                        else _errors end as _violations
            from keyed
        ),
        final as (
            -- the row as landed, serialised for quarantined rows only (for every row it cost half the staging time)
            select {", ".join(q(c) for c in cols)}, _file_sha256, _source_path, _line_no, _file_order, _violations,
                   _flags,
                   case when len(_violations) > 0
                        then to_json(struct_pack({", ".join(f"{q(c)} := {q('_raw_' + c)}" for c in read)}))::varchar
                   end as _record
            from judged
        )
        select * from final
    """


STATE_DDL = """
create table if not exists meta.staging_state (
    contract varchar primary key,
    contract_sha256 varchar not null,
    staged_files varchar[] not null,
    built_at timestamp not null
)
"""


def _quarantine_select(contract: Contract, files_filter: str) -> str:
    return f"""
        select _file_sha256, _source_path, _line_no,
               _violations[1].rule as rule,
               _violations[1].column_name as column_name,
               array_to_string(list_transform(_violations, lambda x: x.message), '; ') as reason,
               len(_violations) as n_violations,
               _record as record,
               -- every violated rule and its column (rule and column_name above are the first of them)
               list_transform(_violations, lambda x: x.rule) as rules,
               list_transform(_violations, lambda x: x.column_name) as column_names
        from _staged where len(_violations) > 0
        union all
        select p.file_sha256, p.source_path, p.line_no, 'csv_structure', null,
               'line ' || p.line_no || ': ' || p.error_type || ' (' || p.message || ')', 1, p.raw_line,
               ['csv_structure'], [null::varchar]
        from meta.parse_rejects p
        join meta.load_manifest m
          on m.contract = p.contract and m.file_sha256 = p.file_sha256 and m.status = 'loaded'
        where p.contract = {lit(contract.name)} {files_filter}
        order by 1, 3
    """


FLAGS_DDL = """
create table if not exists meta.staging_flags (
    contract varchar not null,          -- <system>__<entity>
    file_sha256 varchar not null,
    source_path varchar not null,
    line_no bigint,
    column_name varchar not null,
    rule varchar not null,              -- type_<type>, decimal_scale, allowed_values, pattern, min_value, ...
    message varchar not null            -- names the column and quotes the value that was set to null
)
"""


def _flag_rows(contract: Contract) -> str:
    """The flags of the staged rows in ``_staged``, as rows of ``meta.staging_flags``."""
    return f"""
        select {lit(contract.name)}, _file_sha256, _source_path, _line_no, f.column_name, f.rule, f.message
        from (select _file_sha256, _source_path, _line_no, unnest(_flags) as f
              from _staged where len(_violations) = 0 and len(_flags) > 0)
        order by _file_sha256, _line_no, f.column_name
    """


def _record_flags(con: duckdb.DuckDBPyConnection, contract: Contract, removed: list[str], staged: bool) -> None:
    """``meta.staging_flags``: one row per value of a staged row that an ``on_error: null_and_flag`` column set to
    null. Drops the flags of the file versions ``removed``; ``staged``: adds the flags of the staged rows in
    ``_staged``."""
    con.execute(FLAGS_DDL)
    if removed:
        gone = ", ".join(lit(f) for f in removed)
        con.execute(f"delete from meta.staging_flags where contract = ? and file_sha256 in ({gone})", [contract.name])
    if staged:
        con.execute(f"insert into meta.staging_flags {_flag_rows(contract)}")


def flagged_values(con: duckdb.DuckDBPyConnection, contract: Contract) -> int:
    """Values of the contract's staged rows set to null by ``on_error: null_and_flag`` (``meta.staging_flags``)."""
    if not table_exists(con, "meta.staging_flags"):
        return 0
    return scalar(con, "select count(*) from meta.staging_flags where contract = ?", [contract.name])


def staging_layout_current(con: duckdb.DuckDBPyConnection, contract: Contract) -> bool:
    """Whether the staging and quarantine tables have the columns and types this code writes: a table built by
    an older version (decimals as DECIMAL(18,2), a quarantine without ``rules``) is rebuilt, not appended to."""
    rows = con.execute(
        """
        select schema_name, column_name, data_type from duckdb_columns()
        where database_name = current_database()
          and ((schema_name = 'staging' and table_name = ?) or (schema_name = 'quarantine' and table_name = ?))
        """,
        [contract.staging_table, contract.name],
    ).fetchall()
    staging = {c: t for schema, c, t in rows if schema == "staging"}
    quarantine = {c for schema, c, _ in rows if schema == "quarantine"}
    expected = {c: spec.sql_type for c, spec in contract.columns.items()}
    return all(staging.get(c) == t for c, t in expected.items()) and {"rules", "column_names"} <= quarantine


def _active_files(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    rows = con.execute(
        "select file_sha256 from meta.load_manifest where contract = ? and status = 'loaded' order by 1",
        [contract.name],
    ).fetchall()
    return [r[0] for r in rows]


def _previous_state(con: duckdb.DuckDBPyConnection, contract: Contract) -> tuple[str, list[str]] | None:
    rows = con.execute(
        "select contract_sha256, staged_files from meta.staging_state where contract = ?", [contract.name]
    ).fetchall()
    return (rows[0][0], list(rows[0][1])) if rows else None


def build_staging(con: duckdb.DuckDBPyConnection, contract: Contract, incremental: bool = True) -> StagingResult:
    """Bring ``staging.<stg table>`` and ``quarantine.<contract>`` up to date and fill the manifest counts.

    When the contract is unchanged since the last build, only file versions that came or went are touched
    (a new month's file is typed alone, its keys checked against what is staged); otherwise, or with
    ``incremental=False``, both tables are rebuilt from every active file.
    """
    con.execute(keyed(con, STATE_DDL))
    con.execute(f"drop table if exists {rebuild_name(f'staging.{contract.staging_table}')}")  # one a killed run left
    active = _active_files(con, contract)
    previous = _previous_state(con, contract)
    exists = table_exists(con, f"staging.{contract.staging_table}")
    if incremental and previous and previous[0] == contract.sha256 and exists and staging_layout_current(con, contract):
        removed = sorted(set(previous[1]) - set(active))
        added = sorted(set(active) - set(previous[1]))
        if removed or added:
            _apply_changes(con, contract, removed, added)
    else:
        _rebuild(con, contract)
    upsert(
        con, "meta.staging_state", "contract", "(?, ?, ?, now()::timestamp)", [contract.name, contract.sha256, active]
    )
    staged = scalar(con, f"select count(*) from staging.{contract.staging_table}")
    quarantined = scalar(con, f"select count(*) from quarantine.{contract.name}")
    return StagingResult(staged, quarantined)


def _update_counts(con: duckdb.DuckDBPyConnection, contract: Contract, files_filter: str) -> None:
    con.execute(
        f"""
        update meta.load_manifest m set
            rows_staged = (select count(*) from staging.{contract.staging_table} s
                           where s._file_sha256 = m.file_sha256),
            rows_quarantined = (select count(*) from quarantine.{contract.name} x
                                where x._file_sha256 = m.file_sha256)
        where m.contract = {lit(contract.name)} and m.status = 'loaded' {files_filter}
        """
    )


def _load_batches(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[list[str]]:
    """The active file versions in load order (the query's ``_file_order``), in batches of about
    ``BATCH_ROWS`` rows read, each staged after the ones before like a new file (``pipelines.db.in_batches``)."""
    versions = con.execute(
        "select file_sha256, coalesce(rows_read, 0) from meta.load_manifest where contract = ? and status = 'loaded' "
        "order by loaded_at, source_path",
        [contract.name],
    ).fetchall()
    return list(in_batches(versions, BATCH_ROWS))


def _files_filter(files: list[str]) -> str:
    return f"and p.file_sha256 in ({', '.join(lit(f) for f in files)})"


def _rebuild(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Both tables anew from every active file, in batches (``_load_batches``): each batch is typed like new files,
    its keys checked against the batches before it, so the rows and reasons are those a single query over every
    file gives. The staging rows grow batch by batch in a place of their own (``pipelines.db.rebuilding``), the
    quarantined rows and flags in temporary tables; one transaction then swaps the new table in and replaces the
    quarantine, the flags and the manifest counts, so a reader, or a run that fails half way, sees the old tables
    or the new ones. (Each batch is committed: in one open transaction the key checks took three times as long, and
    in DuckDB 1.5.5 a table created in a transaction from an empty temporary table and then given more than a row
    group's rows (122,880) read as empty on that connection.)"""
    cols = ", ".join(q(c) for c in contract.columns)
    table = f"staging.{contract.staging_table}"
    batches = _load_batches(con, contract)
    if len(batches) <= 1:
        batches = [None]  # one batch (or no file): every active file at once
    con.execute(FLAGS_DDL)
    with rebuilding(con, table, "_staged", "_quarantined", "_flagged") as building:
        for i, batch in enumerate(batches):
            typed = staging_sql(contract, batch, building if i else None)
            con.execute(f"create or replace temp table _staged as {typed}")
            rows = (
                f"select {cols}, _file_sha256, _source_path, _line_no from _staged where len(_violations) = 0 "
                "order by _file_order, _line_no"
            )
            rejected = _quarantine_select(contract, _files_filter(batch) if batch else "")
            add_rows(con, building, rows, first=i == 0)
            add_rows(con, "_quarantined", rejected, first=i == 0)
            add_rows(con, "_flagged", _flag_rows(contract), first=i == 0)
        with transaction(con):
            swap_in(con, building, table)
            con.execute(f"create or replace table quarantine.{contract.name} as select * from _quarantined")
            con.execute("delete from meta.staging_flags where contract = ?", [contract.name])
            con.execute("insert into meta.staging_flags select * from _flagged")
            _update_counts(con, contract, "")


def _stage_files(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[str]) -> None:
    """Type the rows of the file versions ``files`` into ``_staged`` and append them to the staging and quarantine
    tables, their keys checked against what is staged."""
    staging = f"staging.{contract.staging_table}"
    con.execute(f"create or replace temp table _staged as {staging_sql(contract, files, staging)}")
    con.execute(
        f"""
        insert into {staging}
        select {", ".join(q(c) for c in contract.columns)}, _file_sha256, _source_path, _line_no
        from _staged where len(_violations) = 0
        order by _file_order, _line_no
        """
    )
    con.execute(f"insert into quarantine.{contract.name} {_quarantine_select(contract, _files_filter(files))}")


def _apply_changes(con: duckdb.DuckDBPyConnection, contract: Contract, removed: list[str], added: list[str]) -> None:
    """Delete the rows of file versions no longer active, then stage the new ones."""
    staging = f"staging.{contract.staging_table}"
    try:
        with transaction(con):
            if removed:
                gone = ", ".join(lit(f) for f in removed)
                con.execute(f"delete from {staging} where _file_sha256 in ({gone})")
                con.execute(f"delete from quarantine.{contract.name} where _file_sha256 in ({gone})")
            if added:
                _stage_files(con, contract, added)
                _update_counts(con, contract, f"and m.file_sha256 in ({', '.join(lit(f) for f in added)})")
            _record_flags(con, contract, removed, staged=bool(added))
    finally:
        con.execute("drop table if exists _staged")


# DuckDB settings of the connection staging runs in: no file, extension or network access, and no way back
# (``lock_configuration``). Contract SQL (row rules, expr, negate_when, map conditions) is checked by the parser
# allow-list when a contract is loaded (assets/ingest/validate.py); this is the second wall: should a function
# that reads files ever pass the allow-list, the query fails with a permission error instead of reading it.
def stage_contract(database: str | Path, contract: Contract, config: dict | None = None) -> StagingResult:
    """``build_staging`` in an isolated connection (``isolated_connection``): how the nightly run stages."""
    with isolated_connection(database, config) as con:
        return build_staging(con, contract)
