"""Staging: typed rows that keep their contract go to ``staging``, the others to ``quarantine`` with a reason.

Both tables are rebuilt from the active file versions in ``raw`` on every run, so a rerun gives identical
tables and a contract change (a new rule, a new date format) applies to everything already loaded.
Afterwards every active file's manifest row says how many of its rows were staged and quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from assets.ingest.contracts import DUCKDB_TYPES, ColumnSpec, Contract
from assets.ingest.manifest import scalar

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
        return f"coalesce({tries})" if len(spec.formats) > 1 else tries
    true_list = ", ".join(lit(t) for t in TRUE_VALUES)
    false_list = ", ".join(lit(f) for f in FALSE_VALUES)
    return f"case when lower({v}) in ({true_list}) then true when lower({v}) in ({false_list}) then false end"


def _violation(rule: str, column: str | None, message_sql: str, condition: str) -> str:
    col = lit(column) if column else "null::varchar"
    return (
        f"case when {condition} then struct_pack(rule := {lit(rule)}, column_name := {col}, "
        f"message := {message_sql}) end"
    )


def column_violations(column: str, spec: ColumnSpec) -> list[str]:
    v, t = _text(column), q(column)
    shown = f"coalesce('''' || {v} || '''', 'empty')"
    checks = []
    if spec.type != "string":
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


def staging_sql(contract: Contract) -> str:
    """The query that types the active raw rows and lists each row's contract violations."""
    cols = list(contract.columns)
    nulls = ", ".join(lit(n) for n in contract.null_values)
    clean = []
    for c in cols:
        value = f"trim(r.{q(c)})" if contract.trim else f"r.{q(c)}"
        clean.append(f"case when {value} in ({nulls}) then null else {value} end as v_{c}")
    typed = [f"{typed_expression(contract, c, s)} as {q(c)}" for c, s in contract.columns.items()]
    checks = [chk for c, s in contract.columns.items() for chk in column_violations(c, s)]
    all_null = " and ".join(f"v_{c} is null" for c in cols)
    rules = [
        _violation(r.name, None, lit(r.reason), f"not coalesce(({r.sql}), true)") for r in contract.row_rules
    ]
    pk = contract.primary_key
    pk_cols = ", ".join(q(k) for k in pk)
    pk_text = (
        " || ', ' || ".join(f"{lit(k + '=')} || coalesce({q(k)}::varchar, '')" for k in pk) if pk else "''"
    )
    dup_message = (
        f"'duplicate primary key (' || {pk_text} || '): first staged from ' || _first_seen" if pk else "null"
    )
    rank = (
        f"row_number() over (partition by {pk_cols}, len(_errors) = 0 order by _file_order, _source_path, _line_no)"
        if pk else "1"
    )  # fmt: skip
    first_seen = (
        f"first_value(_source_path || ' line ' || _line_no) over (partition by {pk_cols}, len(_errors) = 0 "
        "order by _file_order, _source_path, _line_no)"
        if pk else "null"
    )  # fmt: skip
    rule_list = (
        f"list_concat(_type_errors, list_filter([{', '.join(rules)}], lambda x: x is not null))"
        if rules
        else "_type_errors"
    )
    return f"""
        with active as (
            select file_sha256, loaded_at, row_number() over (order by loaded_at, source_path) as _file_order
            from meta.load_manifest where contract = {lit(contract.name)} and status = 'loaded'
        ),
        cleaned as (
            select r._file_sha256, r._source_path, r._line_no, a._file_order,
                   to_json(struct_pack({", ".join(f"{q(c)} := r.{q(c)}" for c in cols)}))::varchar as _record,
                   {", ".join(clean)}
            from raw.{contract.raw_table} r join active a on a.file_sha256 = r._file_sha256
        ),
        typed as (
            select *, {", ".join(typed)},
                   case when {all_null}
                        then [struct_pack(rule := 'blank_row', column_name := null::varchar,
                                          message := 'the row has no values')]
                        else list_filter([{", ".join(checks)}], lambda x: x is not null) end as _type_errors
            from cleaned
        ),
        ruled as (
            select *, {rule_list} as _errors from typed
        ),
        keyed as (
            select *, {rank} as _pk_rank, {first_seen} as _first_seen from ruled
        ),
        final as (
            select *,
                   case when len(_errors) = 0 and _pk_rank > 1
                        then [struct_pack(rule := 'primary_key_unique', column_name := {lit(", ".join(pk))},
                                          message := {dup_message})]
                        else _errors end as _violations
            from keyed
        )
        select * from final
    """  # fmt: skip


def build_staging(con: duckdb.DuckDBPyConnection, contract: Contract) -> StagingResult:
    """Rebuild ``staging.<stg table>`` and ``quarantine.<contract>`` and update the manifest counts."""
    cols = ", ".join(q(c) for c in contract.columns)
    con.execute(f"create or replace temp table _staged_all as {staging_sql(contract)}")
    con.execute("begin transaction")
    try:
        con.execute(
            f"""
            create or replace table staging.{contract.staging_table} as
            select {cols}, _file_sha256, _source_path, _line_no
            from _staged_all where len(_violations) = 0
            order by _file_order, _line_no
            """
        )
        con.execute(
            f"""
            create or replace table quarantine.{contract.name} as
            select _file_sha256, _source_path, _line_no,
                   _violations[1].rule as rule,
                   _violations[1].column_name as column_name,
                   array_to_string(list_transform(_violations, lambda x: x.message), '; ') as reason,
                   len(_violations) as n_violations,
                   _record as record
            from _staged_all where len(_violations) > 0
            union all
            select p.file_sha256, p.source_path, p.line_no, 'csv_structure', null,
                   'line ' || p.line_no || ': ' || p.error_type || ' (' || p.message || ')', 1, p.raw_line
            from meta.parse_rejects p
            join meta.load_manifest m on m.file_sha256 = p.file_sha256 and m.status = 'loaded'
            where p.contract = {lit(contract.name)}
            order by 1, 3
            """
        )
        con.execute(
            f"""
            update meta.load_manifest m set
                rows_staged = (select count(*) from staging.{contract.staging_table} s
                               where s._file_sha256 = m.file_sha256),
                rows_quarantined = (select count(*) from quarantine.{contract.name} x
                                    where x._file_sha256 = m.file_sha256)
            where m.contract = {lit(contract.name)} and m.status = 'loaded'
            """
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    con.execute("drop table _staged_all")
    staged = scalar(con, f"select count(*) from staging.{contract.staging_table}")
    quarantined = scalar(con, f"select count(*) from quarantine.{contract.name}")
    return StagingResult(staged, quarantined)
