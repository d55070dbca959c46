"""Staging: typed rows that keep their contract go to ``staging``, the others to ``quarantine`` with a reason.

Both tables are rebuilt from the active file versions in ``raw`` on every run, so a rerun gives identical
tables and a contract change (a new rule, a new date format) applies to everything already loaded.
Afterwards every active file's manifest row says how many of its rows were staged and quarantined.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.ingest.contracts import CAPTURE, DUCKDB_TYPES, ColumnSpec, Contract
from assets.ingest.manifest import scalar, table_exists, transaction

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


def _text(column: str) -> str:
    return f"v_{column}"


def _number_text(contract: Contract, column: str) -> str:
    """Text of a number with currency symbols, spaces and thousands separators removed; (x) means -x."""
    fmt = contract.number_format
    expr = _text(column)
    for symbol in fmt.strip:
        expr = f"replace({expr}, {lit(symbol)}, '')"
    if fmt.thousands_separator:
        expr = f"replace({expr}, {lit(fmt.thousands_separator)}, '')"
    if fmt.decimal_separator != ".":
        expr = f"replace({expr}, {lit(fmt.decimal_separator)}, '.')"
    expr = f"regexp_replace({expr}, '\\s', '', 'g')"
    return f"regexp_replace({expr}, '^\\((.*)\\)$', '-\\1')"


def typed_expression(contract: Contract, column: str, spec: ColumnSpec) -> str:
    v = _text(column)
    if spec.type == "string":
        return v
    if spec.type in ("integer", "decimal"):
        number = f"try_cast({_number_text(contract, column)} as decimal(38,6))"
        if spec.type == "decimal":
            return f"{number}::decimal(18,2)"
        return f"case when {number} = round({number}) then {number}::bigint end"
    if spec.type in ("date", "timestamp"):
        target = DUCKDB_TYPES[spec.type]
        if not spec.formats:
            return f"try_cast({v} as {target})"
        tries = ", ".join(f"try_strptime({v}, {lit(f)})::{target}" for f in spec.formats)
        parsed = f"coalesce({tries})" if len(spec.formats) > 1 else tries
        if spec.century_start is not None:
            # DuckDB reads %y 00-68 as 20xx; move anything past the window back a century
            limit = spec.century_start + 100
            parsed = (
                f"(case when year({parsed}) >= {limit} then {parsed} - interval 100 year else {parsed} end)::{target}"
            )
        return parsed
    true_list = ", ".join(lit(t) for t in TRUE_VALUES)
    false_list = ", ".join(lit(f) for f in FALSE_VALUES)
    return f"case when lower({v}) in ({true_list}) then true when lower({v}) in ({false_list}) then false end"


def _violation(rule: str, column: str | None, message_sql: str, condition: str) -> str:
    col = lit(column) if column else "null::varchar"
    return (
        f"case when {condition} then struct_pack(rule := {lit(rule)}, column_name := {col}, "
        f"message := {message_sql}) end"
    )


def column_violations(column: str, spec: ColumnSpec, text: str | None = None) -> list[str]:
    """The contract's rules for one column; ``text`` is the value as text (default: the landed text ``v_col``)."""
    v, t = text or _text(column), q(column)
    shown = f"coalesce('''' || {v} || '''', 'empty')"
    checks = []
    if spec.type != "string" and text is None:
        noun = {
            "integer": "a whole number",
            "decimal": "a number",
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
    if spec.required:
        checks.append(_violation("required", column, lit(f"{column}: a value is required"), f"{v} is null"))
    if spec.allowed_values is not None:
        allowed = ", ".join(lit(a) for a in spec.allowed_values)
        checks.append(
            _violation(
                "allowed_values",
                column,
                f"{lit(column + ': ')} || {shown} || {lit(' is not one of ' + ', '.join(spec.allowed_values))}",
                f"{v} is not null and {v} not in ({allowed})",
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
    return checks  # fmt: skip


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


def _map_violation(contract: Contract, column: str, spec: ColumnSpec) -> str:
    source = "the map" if spec.map is not None else f"lookup {spec.lookup.file}"
    shown = f"coalesce('''' || _label_{column} || '''', 'empty')"
    return _violation(
        "value_map", column, f"{lit(column + ': ')} || {shown} || {lit(' is not in ' + source)}", f"_unmapped_{column}"
    )


def staging_sql(contract: Contract, files: list[str] | None = None, existing: str | None = None) -> str:
    """The query that types active raw rows and lists each row's contract violations.

    ``files`` limits it to some file versions (an incremental build); ``existing`` names the staging table
    whose keys count as already taken, so a key staged by an earlier file is a duplicate here too.
    """
    cols = list(contract.columns)
    read = list(contract.read_columns)
    derived = {c: spec for c, spec in contract.columns.items() if spec.is_derived}
    landed = {c: spec for c, spec in contract.columns.items() if not spec.is_derived}
    nulls = ", ".join(lit(n) for n in contract.null_values)
    clean = []
    for c, spec in landed.items():
        if spec.value is not None:
            value = _constant(spec.value)
        elif spec.from_path is not None:
            value = path_capture(contract, spec.from_path)
        else:
            value = f"trim(r.{q(c)})" if contract.trim else f"r.{q(c)}"
        blank = lit(spec.default) if spec.default is not None else "null"
        clean.append(f"case when {value} in ({nulls}) or {value} is null then {blank} else {value} end as v_{c}")
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
    typed = [f"{typed_expression(contract, c, s)} as {q(c)}" for c, s in landed.items()]
    checks = [chk for c, s in landed.items() for chk in column_violations(c, s)]
    checks += [_map_violation(contract, c, s) for c, s in mapped_cols.items()]
    all_null = " and ".join(f"v_{c} is null" for c in read)
    rules = [_violation(r.name, None, lit(r.reason), f"not coalesce(({r.sql}), true)") for r in contract.row_rules]
    derived_select = ", ".join(
        f"try_cast(try({spec.expr}) as {DUCKDB_TYPES[spec.type]}) as {q(c)}" for c, spec in derived.items()
    )
    negated = {c: spec for c, spec in contract.columns.items() if spec.negate_when}
    negate = (
        "select * replace ("
        + ", ".join(
            f"case when coalesce(({s.negate_when}), false) then -{q(c)} else {q(c)} end as {q(c)}"
            for c, s in negated.items()
        )  # fmt: skip
        + ") from with_derived"
        if negated
        else "select * from with_derived"
    )
    derived_checks = [chk for c, spec in derived.items() for chk in column_violations(c, spec, text=f"{q(c)}::varchar")]
    derived_errors = f"list_filter([{', '.join(derived_checks)}], lambda x: x is not null)" if derived_checks else "[]"
    pk = contract.primary_key
    # a replace or snapshot source repeats its keys in every file: a key is unique within its file only
    per_file = contract.load_mode in ("replace", "snapshot")
    if per_file:
        existing = None
    pk_cols = ", ".join([*(q(k) for k in pk), *(["_file_sha256"] if per_file and pk else [])])
    pk_text = " || ', ' || ".join(f"{lit(k + '=')} || coalesce({q(k)}::varchar, '')" for k in pk) if pk else "''"
    first_seen = "coalesce(_seen_before, _first_in_load.p || ' line ' || _first_in_load.l)"
    dup_message = f"'duplicate primary key (' || {pk_text} || '): first staged from ' || {first_seen}" if pk else "null"
    rank = (
        f"row_number() over (partition by {pk_cols}, len(_errors) = 0 order by _file_order, _source_path, _line_no)"
        if pk else "1"
    )  # fmt: skip
    first_in_load = (
        f"first_value(struct_pack(p := _source_path, l := _line_no)) over (partition by {pk_cols}, "
        "len(_errors) = 0 order by _file_order, _source_path, _line_no)"
        if pk else "null"
    )  # fmt: skip
    only = f"where a.file_sha256 in ({', '.join(lit(f) for f in files)})" if files is not None else ""
    taken = (
        f"left join (select {pk_cols}, min(_source_path || ' line ' || _line_no) as _seen "
        f"from {existing} group by all) e using ({pk_cols})"
        if pk and existing else ""
    )  # fmt: skip
    seen = "e._seen" if taken else "null::varchar"
    rule_list = (
        f"list_concat(_type_errors, _derived_errors, list_filter([{', '.join(rules)}], lambda x: x is not null))"
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
        typed as (
            select *, {", ".join(typed)},
                   case when {all_null}
                        then [struct_pack(rule := 'blank_row', column_name := null::varchar,
                                          message := 'the row has no values')]
                        else list_filter([{", ".join(checks)}], lambda x: x is not null) end as _type_errors
            from mapped
        ),
        with_derived as (
            select *{", " + derived_select if derived else ""} from typed
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
        keyed as (
            select ruled.*, {rank} as _pk_rank,
                   {seen} as _seen_before, {first_in_load} as _first_in_load, {seen} is not null as _is_taken
            from ruled {taken}
        ),
        judged as (
            select *,
                   case when len(_errors) = 0 and (_pk_rank > 1 or _is_taken)
                        then [struct_pack(rule := 'primary_key_unique', column_name := {lit(", ".join(pk))},
                                          message := {dup_message})]
                        else _errors end as _violations
            from keyed
        ),
        final as (
            -- the row as landed, serialised for quarantined rows only (for every row it cost half the staging time)
            select {", ".join(q(c) for c in cols)}, _file_sha256, _source_path, _line_no, _file_order, _violations,
                   case when len(_violations) > 0
                        then to_json(struct_pack({", ".join(f"{q(c)} := {q('_raw_' + c)}" for c in read)}))::varchar
                   end as _record
            from judged
        )
        select * from final
    """  # fmt: skip


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
               _record as record
        from _staged where len(_violations) > 0
        union all
        select p.file_sha256, p.source_path, p.line_no, 'csv_structure', null,
               'line ' || p.line_no || ': ' || p.error_type || ' (' || p.message || ')', 1, p.raw_line
        from meta.parse_rejects p
        join meta.load_manifest m on m.file_sha256 = p.file_sha256 and m.status = 'loaded'
        where p.contract = {lit(contract.name)} {files_filter}
        order by 1, 3
    """


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
    con.execute(STATE_DDL)
    active = _active_files(con, contract)
    previous = _previous_state(con, contract)
    exists = table_exists(con, f"staging.{contract.staging_table}")
    if incremental and previous and previous[0] == contract.sha256 and exists:
        removed = sorted(set(previous[1]) - set(active))
        added = sorted(set(active) - set(previous[1]))
        if removed or added:
            _apply_changes(con, contract, removed, added)
    else:
        _rebuild(con, contract)
    con.execute(
        "insert or replace into meta.staging_state values (?, ?, ?, now()::timestamp)",
        [contract.name, contract.sha256, active],
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


def _rebuild(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    cols = ", ".join(q(c) for c in contract.columns)
    con.execute(f"create or replace temp table _staged as {staging_sql(contract)}")
    try:
        with transaction(con):
            con.execute(
                f"""
                create or replace table staging.{contract.staging_table} as
                select {cols}, _file_sha256, _source_path, _line_no
                from _staged where len(_violations) = 0
                order by _file_order, _line_no
                """
            )
            con.execute(f"create or replace table quarantine.{contract.name} as {_quarantine_select(contract, '')}")
            _update_counts(con, contract, "")
    finally:
        con.execute("drop table if exists _staged")


def _apply_changes(con: duckdb.DuckDBPyConnection, contract: Contract, removed: list[str], added: list[str]) -> None:
    """Delete the rows of file versions no longer active, then stage the new ones."""
    cols = ", ".join(q(c) for c in contract.columns)
    staging = f"staging.{contract.staging_table}"
    try:
        with transaction(con):
            if removed:
                gone = ", ".join(lit(f) for f in removed)
                con.execute(f"delete from {staging} where _file_sha256 in ({gone})")
                con.execute(f"delete from quarantine.{contract.name} where _file_sha256 in ({gone})")
            if added:
                con.execute(f"create or replace temp table _staged as {staging_sql(contract, added, staging)}")
                con.execute(
                    f"""
                    insert into {staging}
                    select {cols}, _file_sha256, _source_path, _line_no
                    from _staged where len(_violations) = 0
                    order by _file_order, _line_no
                    """
                )
                new = ", ".join(lit(f) for f in added)
                con.execute(
                    f"insert into quarantine.{contract.name} "
                    f"{_quarantine_select(contract, f'and p.file_sha256 in ({new})')}"
                )
                _update_counts(con, contract, f"and m.file_sha256 in ({new})")
    finally:
        con.execute("drop table if exists _staged")
