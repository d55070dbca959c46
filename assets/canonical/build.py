"""Building ``canonical.<entity>``: the union of every source mapped into the entity, in canonical shape.

Each contract with ``maps_to: <entity>`` contributes its staged rows: the columns it shares with the entity by
name (cast to the canonical type), null for the others, its system as ``source_system``. On the way:

- ``filter`` keeps only the rows the entity is about (the others stay staged and are counted);
- ``load_mode`` picks the rows that count: ``replace`` the newest file, ``snapshot`` the newest picture of each
  key (a key missing from the newest snapshot is an inferred leaver), ``append`` and ``events`` every row;
- money columns are converted to the reporting currency with ``reference.exchange_rates`` on the entity's date;
- ``key_prefix`` keeps two sources' ids apart; when two sources still claim one key, ``priority`` decides.

Nothing is dropped silently: a row held back (no exchange rate, a key claimed by a stronger source) is a row of
``meta.canonical_rejects`` with its file, line and reason, and ``meta.canonical_sources`` accounts, per source,
for staged = mapped + filtered out + rejected.

An entity whose rows each depend on their staged row alone (its sources ``append`` or ``events``, and one source
where the entity has a key that two could claim) is built file by file: ``meta.canonical_files`` records the file
versions it was built from and their counts, and a night maps only the staged file versions that came, deletes
the rows of those that went, and writes nothing when none did. A change to the query (a contract, the catalog) or
to the exchange rates, or a changed contract, rebuilds it whole. The other entities are rebuilt whole every night.

An entity with one such source that keeps every row and converts no money is a view of that source's staging
table (``is_view_of_staging``): each of its rows is a staged row as it is, so nothing is copied; the counts are
recorded all the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import duckdb

from assets.canonical.catalog import LINEAGE_COLUMNS, CanonicalEntity
from assets.ingest.contracts import Contract
from assets.ingest.staging import lit, q
from pipelines.db import (
    BATCH_ROWS,
    add_rows,
    in_batches,
    insert_rows,
    rebuild_name,
    rebuilding,
    swap_in,
    table_exists,
    transaction,
)

REJECTS_DDL = """
create table if not exists meta.canonical_rejects (
    entity varchar not null,
    contract varchar not null,
    _file_sha256 varchar,
    _source_path varchar,
    _line_no bigint,
    rule varchar not null,
    reason varchar not null
)
"""
SOURCES_DDL = """
create table if not exists meta.canonical_sources (
    entity varchar not null,
    contract varchar not null,
    load_mode varchar not null,
    currency varchar not null,
    rows_staged bigint not null,
    rows_filtered_out bigint not null,
    rows_not_current bigint not null,
    rows_rejected bigint not null,
    rows_mapped bigint not null,
    built_at timestamp not null
)
"""
FILES_DDL = """
create table if not exists meta.canonical_files (
    entity varchar not null,
    code_sha256 varchar not null,      -- the entity's query and the exchange rates its rows were mapped with
    contract varchar not null,
    file_sha256 varchar not null,
    rows_staged bigint not null,
    rows_filtered_out bigint not null,
    rows_not_current bigint not null,
    rows_rejected bigint not null,
    rows_mapped bigint not null
)
"""
STATUS_COUNTS = """count(*),
                   count(*) filter (where _status = 'filtered_out'),
                   count(*) filter (where _status = 'not_current'),
                   count(*) filter (where _status = 'rejected'),
                   count(*) filter (where _status = 'mapped')"""
# Demo contract types that are compatible with a canonical type other than their own (cast without loss).
WIDENING = {("integer", "decimal"), ("date", "timestamp")}


@dataclass(frozen=True)
class SourceCount:
    contract: str
    rows_staged: int
    rows_mapped: int


def mapping_problems(contract: Contract, entity: CanonicalEntity) -> list[str]:
    """What stops the contract's columns from being cast to the entity's types (an empty list when nothing)."""
    problems = []
    for name, spec in contract.columns.items():
        column = entity.columns.get(name)
        if column is None:
            continue
        canonical = "decimal" if column.money else column.type
        if spec.type == canonical or canonical == "string" or (spec.type, canonical) in WIDENING:
            continue
        if column.money and spec.type == "integer":
            continue
        problems.append(
            f"column {name!r} is {spec.type} in the contract but {canonical} in canonical entity {entity.name!r}"
        )
    if not any(name in entity.columns for name in contract.columns):
        problems.append(f"no column of the contract is a column of canonical entity {entity.name!r}")
    return problems


def _projection(contract: Contract, entity: CanonicalEntity, reporting_currency: str) -> list[str]:
    currency = contract.currency or reporting_currency
    parts = []
    for name, column in entity.columns.items():
        if name not in contract.columns:
            parts.append(f"null::{column.sql_type} as {q(name)}")
            continue
        value = f"s.{q(name)}"
        if column.money and currency != reporting_currency:
            typed = f"round({value} * _fx.rate, 2)::{column.sql_type}"
        elif contract.key_prefix and name in entity.key_columns():
            typed = f"{lit(contract.key_prefix)} || {value}::varchar::{column.sql_type}"
        else:
            typed = _cast(value, contract.columns[name].sql_type, column.sql_type)
        parts.append(f"{typed} as {q(name)}")
    return parts


_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)", re.IGNORECASE)


def _cast(value: str, from_type: str, to_type: str) -> str:
    """``value::to_type``. A DECIMAL of more than 18 digits (a 128-bit integer) cast to one of at most 18 goes
    through DECIMAL(18, its own scale) when it fits there: the same value, in 64-bit arithmetic (at L, 25 million
    staged overtime hours, DECIMAL(25,9) to DECIMAL(18,2): 6.5 s -> 0.5 s)."""
    wide, narrow = _DECIMAL.fullmatch(from_type), _DECIMAL.fullmatch(to_type)
    if not (wide and narrow and int(wide[1]) > 18 and int(narrow[1]) <= 18 and int(wide[2]) <= 18):
        return f"{value}::{to_type}"
    scale = int(wide[2])
    bound = 10 ** (18 - scale)
    return (
        f"case when {value} > -{bound} and {value} < {bound} then {value}::decimal(18, {scale})::{to_type} "
        f"else {value}::{to_type} end"
    )


def _rate_join(contract: Contract, entity: CanonicalEntity, reporting_currency: str) -> str:
    currency = contract.currency or reporting_currency
    if currency == reporting_currency or not entity.money_columns():
        return ""
    on = f"r.from_currency = {lit(currency)} and r.to_currency = {lit(reporting_currency)}"
    if entity.date_column and entity.date_column in contract.columns:
        day = f"s.{q(entity.date_column)}::date"
        return (
            f"left join (select rate, effective_from, coalesce(effective_to, date '9999-12-31') as effective_to "
            f"from reference.exchange_rates r where {on}) _fx "
            f"on {day} between _fx.effective_from and _fx.effective_to"
        )
    # no date to take the rate on: the latest rate in force
    return (
        f"left join (select rate from reference.exchange_rates r where {on} "
        "order by effective_from desc limit 1) _fx on true"
    )


def _current_rows(contract: Contract) -> str:
    """The condition that picks the rows of ``load_mode`` from the staged rows of active files."""
    files = (
        "select file_sha256, row_number() over (order by loaded_at desc, source_path desc) as _recency "
        f"from meta.load_manifest where contract = {lit(contract.name)} and status = 'loaded'"
    )
    if contract.load_mode == "replace":
        return f"s._file_sha256 = (select file_sha256 from ({files}) where _recency = 1)"
    return "true"


def source_sql(contract: Contract, entity: CanonicalEntity, reporting_currency: str) -> str:
    """Every staged row of ``contract`` in the entity's shape, with ``_status`` (mapped, filtered_out,
    not_current, rejected) and, for a rejected row, ``_rule`` and ``_reason``."""
    staging = f"staging.{contract.staging_table}"
    rate_join = _rate_join(contract, entity, reporting_currency)
    currency = contract.currency or reporting_currency
    no_rate = "when _fx.rate is null then 'rejected' " if rate_join else ""
    reason = (
        f"'no exchange rate {currency} to {reporting_currency} in reference.exchange_rates'"
        + (
            f" || ' on ' || coalesce(s.{q(entity.date_column)}::varchar, 'an empty date')"
            if entity.date_column and entity.date_column in contract.columns
            else ""
        )
        if rate_join
        else "null"
    )
    keep = f"({contract.filter})" if contract.filter else "true"
    snapshot = contract.load_mode == "snapshot" and contract.primary_key
    lineage = (
        f"{lit(contract.system)} as source_system, {lit(contract.name)} as _source_contract, "
        "s._file_sha256, s._source_path, s._line_no"
    )
    status = (
        f"case when not coalesce({keep}, false) then 'filtered_out' "
        f"when not ({_current_rows(contract)}) then 'not_current' {no_rate}else 'mapped' end"
    )
    select = (
        f"select {', '.join(_projection(contract, entity, reporting_currency))}, {lineage}, "
        f"{status} as _status, case when {status} = 'rejected' then 'exchange_rate' end as _rule, "
        f"case when {status} = 'rejected' then {reason} end as _reason"
    )
    if snapshot:
        # the newest snapshot of each key wins; keys missing from the newest file are inferred leavers. A file's
        # snapshot date is its `snapshot_date` column (e.g. from the file name) or else the day it was loaded, so
        # an older export delivered late never replaces a newer picture.
        pk = ", ".join(f"s.{q(k)}" for k in contract.primary_key)
        dated = "snapshot_date" in contract.columns
        taken = "max(snapshot_date)::timestamp" if dated else "null::timestamp"
        files = (
            f"select _file_sha256, coalesce({taken}, any_value(m.loaded_at)) as _snapshot_at "
            f"from {staging} join meta.load_manifest m on m.file_sha256 = _file_sha256 "
            f"and m.contract = {lit(contract.name)} group by _file_sha256"
        )
        select += (
            f", f._snapshot_at, row_number() over (partition by {pk} "
            "order by f._snapshot_at desc, s._source_path desc) as _snapshot_rank, "
            "f._snapshot_at = max(f._snapshot_at) over () as _in_newest"
        )
        return f"{select} from {staging} s join ({files}) f on f._file_sha256 = s._file_sha256 {rate_join}"
    return f"{select} from {staging} s {rate_join}"


def _snapshot_status(entity: CanonicalEntity) -> str:
    """For a snapshot source: older pictures of a key are not current; a key absent from the newest file is kept
    as an inferred leaver (its termination date, where the entity has one, is the day it was last seen)."""
    extra = []
    if "termination_date" in entity.columns:
        extra.append(
            "case when not _in_newest and termination_date is null then _snapshot_at::date "
            "else termination_date end as termination_date"
        )
    if "is_inferred_leaver" in entity.columns:
        extra.append("not _in_newest as is_inferred_leaver")
    replace = f" replace ({', '.join(extra)})" if extra else ""
    return (
        f"select *{replace}, case when _status = 'mapped' and _snapshot_rank > 1 then 'not_current' "
        "else _status end as _snapshot_status"
    )


def canonical_sql(entity: CanonicalEntity, contracts: list[Contract], reporting_currency: str) -> str:
    """The query of every mapped source's rows, each with its final ``_status``."""
    columns = ", ".join([*(q(c) for c in entity.columns), *LINEAGE_COLUMNS])
    parts = []
    for order, contract in enumerate(sorted(contracts, key=lambda c: (c.priority, c.name))):
        body = source_sql(contract, entity, reporting_currency)
        if contract.load_mode == "snapshot" and contract.primary_key:
            body = (
                f"select {columns}, _snapshot_status as _status, _rule, _reason from "
                f"({_snapshot_status(entity)} from ({body}))"
            )
        else:
            body = f"select {columns}, _status, _rule, _reason from ({body})"
        parts.append(f"select *, {order} as _source_order from ({body})")
    if not parts:
        empty = ", ".join(
            [
                *(f"null::{c.sql_type} as {q(n)}" for n, c in entity.columns.items()),
                "null::varchar as source_system, null::varchar as _source_contract, null::varchar as _file_sha256",
                "null::varchar as _source_path, null::bigint as _line_no, null::varchar as _status",
                "null::varchar as _rule, null::varchar as _reason, 0 as _source_order",
            ]
        )
        return f"select {empty} where false"
    unioned = "\nunion all\n".join(parts)
    if not entity.primary_key or len(contracts) < 2:
        return unioned
    pk = ", ".join(q(k) for k in entity.primary_key)
    key_text = " || ', ' || ".join(f"{lit(k + '=')} || coalesce({q(k)}::varchar, '')" for k in entity.primary_key)
    return f"""
        select * replace (
            case when _status = 'mapped' and _claim > 1 then 'rejected' else _status end as _status,
            case when _status = 'mapped' and _claim > 1 then 'key_claimed' else _rule end as _rule,
            case when _status = 'mapped' and _claim > 1
                 then 'key (' || {key_text} || ') is also claimed by ' || _winner || ', which has priority'
                 else _reason end as _reason
        )
        from (
            select *,
                   row_number() over (partition by {pk}, _status = 'mapped' order by _source_order, _line_no) as _claim,
                   first_value(_source_contract) over (
                       partition by {pk}, _status = 'mapped' order by _source_order, _line_no) as _winner
            from ({unioned})
        )
    """


def is_built_by_file(entity: CanonicalEntity, contracts: list[Contract]) -> bool:
    """Whether each row of the entity depends on its own staged row alone (see the module's docstring)."""
    return all(c.load_mode in ("append", "events") for c in contracts) and (
        not entity.primary_key or len(contracts) < 2
    )


def is_view_of_staging(entity: CanonicalEntity, contracts: list[Contract], reporting_currency: str) -> bool:
    """Whether the entity is its one source's staged rows as they are: one contract that appends or sends events,
    keeps every row (no ``filter``) and converts no money. Every staged row is then mapped, to a row that depends
    on it alone, and the entity is a view over the staging table: nothing is copied (at L, 25 million attendance
    rows took 22 s a night to copy), and a new month's rows are in it as soon as they are staged."""
    return (
        len(contracts) == 1
        and is_built_by_file(entity, contracts)
        and not contracts[0].filter
        and not _rate_join(contracts[0], entity, reporting_currency)
    )


def _is_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, view = name.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_views() where database_name = current_database() and schema_name = ? "
            "and view_name = ?",
            [schema, view],
        ).fetchone()[0]
    )


def _drop_view(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if _is_view(con, name):
        con.execute(f"drop view {name}")


def _build_view(con, entity: CanonicalEntity, contract: Contract, sql: str, currency: str) -> None:
    """The entity as a view of its one source's staged rows (``is_view_of_staging``), in their order; the counts
    per file version and per source recorded as for a table."""
    code = _code(con, entity, [contract], sql)
    columns = ", ".join([*(q(c) for c in entity.columns), *LINEAGE_COLUMNS])
    with transaction(con):
        if not _is_view(con, entity.table):  # a table until now
            con.execute(f"drop table if exists {entity.table}")
        con.execute(f"create or replace view {entity.table} as select {columns} from ({sql}) where _status = 'mapped'")
        con.execute("delete from meta.canonical_rejects where entity = ?", [entity.name])
        con.execute("delete from meta.canonical_files where entity = ?", [entity.name])
        con.execute(f"insert into meta.canonical_files {_file_counts(entity, code, f'({sql})')}")
        _record_sources(con, entity, [contract], _summed_counts(entity), currency)


def build_canonical(
    con: duckdb.DuckDBPyConnection, entity: CanonicalEntity, contracts: list[Contract], reporting_currency: str
) -> list[SourceCount]:
    """Bring ``canonical.<entity>`` up to date with its sources; record rejects and the per-source accounting."""
    con.execute("create schema if not exists canonical")
    con.execute("create schema if not exists meta")
    con.execute(REJECTS_DDL)
    con.execute(SOURCES_DDL)
    con.execute(FILES_DDL)
    con.execute(f"drop table if exists {rebuild_name(entity.table)}")  # one a killed run left
    usable = [c for c in contracts if table_exists(con, f"staging.{c.staging_table}")]
    sql = canonical_sql(entity, usable, reporting_currency)
    if is_view_of_staging(entity, usable, reporting_currency):
        _build_view(con, entity, usable[0], sql, reporting_currency)
    else:
        _drop_view(con, entity.table)  # the entity was a view of its one source's staging until now
        if not is_built_by_file(entity, usable) or not usable:
            _build_whole(con, entity, usable, sql, reporting_currency)
        else:
            _build_by_file(con, entity, usable, sql, reporting_currency)
    rows = con.execute(
        "select contract, rows_staged, rows_mapped from meta.canonical_sources where entity = ? order by contract",
        [entity.name],
    ).fetchall()
    return [SourceCount(*row) for row in rows]


def _mapped_rows(entity: CanonicalEntity, source: str = "_canonical") -> str:
    """``source``'s mapped rows (by default those of the temporary table ``_canonical``), as the entity's table
    keeps them."""
    columns = ", ".join([*(q(c) for c in entity.columns), *LINEAGE_COLUMNS])
    return f"select {columns} from {source} where _status = 'mapped' order by _source_order, _file_sha256, _line_no"


def _rejected_rows(entity: CanonicalEntity, source: str = "_canonical") -> str:
    """``source``'s rejected rows, as rows of ``meta.canonical_rejects``."""
    return (
        f"select {lit(entity.name)}, _source_contract, _file_sha256, _source_path, _line_no, _rule, _reason "
        f"from {source} where _status = 'rejected' order by _source_order, _line_no"
    )


def _file_counts(entity: CanonicalEntity, code: str, source: str = "_canonical") -> str:
    """``source``'s counts per file version, as rows of ``meta.canonical_files``."""
    return (
        f"select {lit(entity.name)}, {lit(code)}, _source_contract, _file_sha256, {STATUS_COUNTS} "
        f"from {source} group by _source_contract, _file_sha256"
    )


def _batch_source(con, contracts: list[Contract], entity: CanonicalEntity, sql: str, where: str, currency: str) -> str:
    """Where a batch's rows are read from: the entity's query itself when every staged row is mapped (no source
    filters its rows or converts its money, so DuckDB folds the rejected and filtered rows away and the counts read
    the file column alone); else the temporary table ``_canonical``, made here, so the query runs once for the
    three reads. (At L, 25 million attendance rows: 29 s through the table, 22 s straight.)"""
    batch = f"(select * from ({sql}) where {where})"
    if all(not c.filter and not _rate_join(c, entity, currency) for c in contracts):
        return batch
    con.execute(f"create or replace temp table _canonical as select * from {batch}")
    return "_canonical"


def _record_sources(con: duckdb.DuckDBPyConnection, entity: CanonicalEntity, contracts, counts: str, currency):
    """``meta.canonical_sources`` of the entity: per contract, the five counts the query ``counts`` returns for it
    (its one parameter is the contract)."""
    con.execute("delete from meta.canonical_sources where entity = ?", [entity.name])
    for contract in contracts:
        con.execute(
            f"insert into meta.canonical_sources select ?, ?, ?, ?, c.*, now()::timestamp from ({counts}) c",
            [entity.name, contract.name, contract.load_mode, contract.currency or currency, contract.name],
        )


def _build_whole(con, entity: CanonicalEntity, usable: list[Contract], sql: str, currency: str) -> None:
    con.execute(f"create or replace temp table _canonical as {sql}")
    try:
        with transaction(con):
            con.execute("delete from meta.canonical_rejects where entity = ?", [entity.name])
            con.execute(f"create or replace table {entity.table} as {_mapped_rows(entity)}")
            con.execute(f"insert into meta.canonical_rejects {_rejected_rows(entity)}")
            con.execute("delete from meta.canonical_files where entity = ?", [entity.name])
            counts = f"select {STATUS_COUNTS} from _canonical where _source_contract = ?"
            _record_sources(con, entity, usable, counts, currency)
    finally:
        con.execute("drop table if exists _canonical")


def _code(con: duckdb.DuckDBPyConnection, entity: CanonicalEntity, contracts: list[Contract], sql: str) -> str:
    """The version the entity's rows were mapped with: its query, its contracts (a changed contract restages its
    files whole, with other values maybe) and the exchange rates it converts with."""
    rates = (
        con.execute("select count(*), coalesce(bit_xor(hash(r)), 0) from reference.exchange_rates r").fetchone()
        if entity.money_columns() and table_exists(con, "reference.exchange_rates")
        else ()
    )
    versions = ",".join(c.sha256 for c in contracts)
    return hashlib.sha256(f"{sql}\n-- contracts: {versions}\n-- rates: {rates}".encode()).hexdigest()


def _files(pairs: list[tuple[str, str]], contract: str = "_source_contract", file: str = "_file_sha256") -> str:
    """A condition on the rows of the file versions ``pairs`` ((contract, file_sha256)), in columns ``contract``
    and ``file``."""
    by_contract: dict[str, list[str]] = {}
    for name, sha in pairs:
        by_contract.setdefault(name, []).append(sha)
    return " or ".join(
        f"({contract} = {lit(name)} and {file} in ({', '.join(lit(sha) for sha in shas)}))"
        for name, shas in sorted(by_contract.items())
    )


def _build_by_file(con, entity: CanonicalEntity, usable: list[Contract], sql: str, currency: str) -> None:
    code = _code(con, entity, usable, sql)
    sizes = {
        (name, sha): rows
        for name, sha, rows in con.execute(
            " union all ".join(
                f"select {lit(c.name)}, _file_sha256, count(*) from staging.{c.staging_table} group by _file_sha256"
                for c in usable
            )
        ).fetchall()
    }
    current = set(sizes)
    built = set(
        con.execute(
            "select contract, file_sha256 from meta.canonical_files where entity = ? and code_sha256 = ?",
            [entity.name, code],
        ).fetchall()
    )
    whole = not built or not table_exists(con, entity.table)
    came, went = (sorted(current), []) if whole else (sorted(current - built), sorted(built - current))
    if not whole and not came and not went:
        return  # the same file versions, mapped by the same query: nothing to write
    if whole:
        _rebuild_by_file(con, entity, usable, sql, currency, code, sizes)
        return
    try:
        with transaction(con):
            changed = came + went
            con.execute(f"delete from {entity.table} where {_files(changed)}")
            con.execute(
                f"delete from meta.canonical_rejects where entity = ? and ({_files(changed, 'contract')})",
                [entity.name],
            )
            state = _files(changed, "contract", "file_sha256")
            con.execute(f"delete from meta.canonical_files where entity = ? and ({state})", [entity.name])
            for batch in _batches(came, sizes, usable):
                source = _batch_source(con, usable, entity, sql, _files(batch), currency)
                con.execute(f"insert into {entity.table} {_mapped_rows(entity, source)}")
                con.execute(f"insert into meta.canonical_rejects {_rejected_rows(entity, source)}")
                con.execute(f"insert into meta.canonical_files {_file_counts(entity, code, source)}")
            _record_sources(con, entity, usable, _summed_counts(entity), currency)
    finally:
        con.execute("drop table if exists _canonical")


def _summed_counts(entity: CanonicalEntity) -> str:
    """The query of a contract's five counts (its one parameter) summed over ``meta.canonical_files``."""
    sums = ", ".join(
        f"coalesce(sum({c}), 0)"
        for c in ("rows_staged", "rows_filtered_out", "rows_not_current", "rows_rejected", "rows_mapped")
    )
    return f"select {sums} from meta.canonical_files where entity = {lit(entity.name)} and contract = ?"


def _rebuild_by_file(con, entity: CanonicalEntity, usable: list[Contract], sql: str, currency: str, code: str, sizes):
    """The entity's table anew from every staged file version, in batches (``_batches``) that grow in a place of
    their own (``pipelines.db.rebuilding``), each committed; the rejects and the counts per file wait in temporary
    tables, and one transaction swaps the new table in and replaces them."""
    batches = list(_batches(sorted(sizes), sizes, usable)) or [None]  # no staged file: the table, empty
    with rebuilding(con, entity.table, "_canonical", "_rejected", "_counted") as building:
        for i, batch in enumerate(batches):
            source = _batch_source(con, usable, entity, sql, _files(batch) if batch else "false", currency)
            add_rows(con, building, _mapped_rows(entity, source), first=i == 0)
            add_rows(con, "_rejected", _rejected_rows(entity, source), first=i == 0)
            add_rows(con, "_counted", _file_counts(entity, code, source), first=i == 0)
        with transaction(con):
            swap_in(con, building, entity.table)
            con.execute("delete from meta.canonical_rejects where entity = ?", [entity.name])
            con.execute("insert into meta.canonical_rejects select * from _rejected")
            con.execute("delete from meta.canonical_files where entity = ?", [entity.name])
            con.execute("insert into meta.canonical_files select * from _counted")
            _record_sources(con, entity, usable, _summed_counts(entity), currency)


def _batches(pairs: list[tuple[str, str]], sizes: dict[tuple[str, str], int], contracts: list[Contract]):
    """``pairs`` (contract, file version) in the order the table keeps its rows (source order, file version), in
    batches of about ``BATCH_ROWS`` staged rows, each written sorted (``pipelines.db.in_batches``)."""
    order = {c.name: i for i, c in enumerate(sorted(contracts, key=lambda c: (c.priority, c.name)))}
    ordered = sorted(pairs, key=lambda p: (order[p[0]], p[1]))
    return in_batches(((pair, sizes[pair]) for pair in ordered), BATCH_ROWS)


COVERAGE_DDL = """
create or replace table marts.canonical_coverage (
    entity varchar not null,
    column_name varchar not null,
    n_rows bigint not null,
    n_filled bigint not null,
    sources varchar[] not null
)
"""


def build_coverage(con: duckdb.DuckDBPyConnection, catalog: dict[str, CanonicalEntity]) -> None:
    """``marts.canonical_coverage``: for every canonical column, how many rows hold a value, from which sources.
    A column no row fills is what makes a KPI or rule not computable."""
    con.execute("create schema if not exists marts")
    con.execute(COVERAGE_DDL)
    for name, entity in sorted(catalog.items()):
        if not table_exists(con, entity.table):
            continue
        counts = ", ".join(f"count({q(c)})" for c in entity.columns)
        row = con.execute(
            f"select count(*), list(distinct _source_contract order by _source_contract) "
            f"filter (where _source_contract is not null), {counts} from {entity.table}"
        ).fetchone()
        n_rows, sources, filled = row[0], row[1] or [], row[2:]
        insert_rows(
            con,
            "insert into marts.canonical_coverage values (?, ?, ?, ?, ?)",
            [[name, column, n_rows, n, sources] for column, n in zip(entity.columns, filled, strict=True)],
        )
