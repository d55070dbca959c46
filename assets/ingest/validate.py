"""Checks of a contract beyond its YAML shape: what would fail, or mislead, only when the night runs.

- Every SQL snippet (``expr``, ``negate_when``, ``filter``, ``row_rules``) is parsed by DuckDB's own parser and
  must be one scalar expression: no statement, no subquery, no table or file access, no function that reads the
  machine; every column it names must be a column of the contract.
- ``maps_to`` names a canonical entity whose column types the contract's columns can be cast to.
- A ``lookup`` file exists and has its ``from`` and ``to`` columns.
- A ``currency`` other than the reporting one has an exchange rate to it.
- (``compile_sql``) staging's query binds: a rule comparing a date with a number or calling an unknown function.

``kinerja validate-contracts`` prints these problems; the nightly run stages no contract that has any. It also
runs each contract over a sample of its files under the landing folder (``sample_report``): the real header, the
rules and formats on real values, two-digit years without ``century_start`` and dates that read both day-first
and month-first (``ambiguous_date_orders``, also a nightly source check).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.ingest.contracts import Contract, has_two_digit_year, swapped_format

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


def contract_problems(
    contract: Contract, reporting_currency: str, rate_files: list[Path], compile_sql: bool = False
) -> list[str]:
    """Every problem of the contract that only shows when it runs, each naming the contract and the key.

    ``compile_sql`` also binds staging's query (row rules, expr, negate_when, filter) against an empty raw table:
    a column of the wrong type or an unknown function (`kinerja validate-contracts`; the nightly run finds the
    same when it stages, so its definitions do not pay for it)."""
    from assets.canonical.build import mapping_problems
    from assets.canonical.catalog import load_catalog

    problems = []
    for where, sql, columns in _snippets(contract):
        problems += expression_problems(sql, columns, where)
    problems += _lookup_problems(contract)
    if compile_sql and not problems:  # each snippet is one expression over known columns: does staging bind?
        problems += binding_problems(contract)
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
    problems += _currency_problems(contract, reporting_currency, rate_files)
    name = contract.path.name if contract.path else contract.name
    return [f"contract {name}: {p}" for p in problems]


# -- staging's SQL, compiled ------------------------------------------------------------------------------------
def _without_sql(contract: Contract, derived: bool) -> Contract:
    """The contract without its row rules, filter and negate_when (and, ``derived=False``, its expr columns): the
    part of staging that does not run user SQL over the typed row."""
    columns = {
        name: spec.model_copy(update={"negate_when": None})
        for name, spec in contract.columns.items()
        if derived or not spec.is_derived
    }
    return contract.model_copy(update={"row_rules": [], "filter": None, "columns": columns})


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]


def sql_run_problems(con: duckdb.DuckDBPyConnection, contract: Contract, rows: str = "rows") -> list[str]:
    """Every row rule, ``expr``, ``negate_when`` and ``filter`` of the contract bound and run by staging's own
    query over what ``raw`` and ``meta.load_manifest`` of ``con`` hold (an empty table binds only): a column of
    the wrong type, an unknown function or an error on a value shows here, not in the night."""
    from assets.ingest.staging import staging_sql

    try:  # the whole of staging at once; only when it fails, each snippet alone, to say which one
        con.execute(f"create or replace temp table _v_full as {staging_sql(contract)}")
        con.execute("drop table _v_full")
        return []
    except duckdb.Error:
        pass
    try:
        con.execute(f"create or replace temp table _v_base as {staging_sql(_without_sql(contract, derived=False))}")
    except duckdb.Error as exc:
        return [f"staging cannot type the {rows}: {_first_line(exc)}"]
    problems = []
    for name, spec in contract.columns.items():
        if spec.expr is not None:
            try:
                con.execute(f"select try_cast(({spec.expr}) as {spec.sql_type}) from _v_base").fetchall()
            except duckdb.Error as exc:
                problems.append(f"column {name!r} expr {spec.expr!r} does not run on the {rows}: {_first_line(exc)}")
    if problems:
        return problems
    try:
        con.execute(f"create or replace temp table _v_typed as {staging_sql(_without_sql(contract, derived=True))}")
    except duckdb.Error as exc:
        return [f"staging cannot compute the columns of the {rows}: {_first_line(exc)}"]
    snippets = [(f"column {n!r} negate_when", s.negate_when) for n, s in contract.columns.items() if s.negate_when]
    snippets += [(f"row rule {r.name!r}", r.sql) for r in contract.row_rules]
    snippets += [("filter", contract.filter)] if contract.filter else []
    for where, sql in snippets:
        try:
            con.execute(f"select ({sql}) from _v_typed").fetchall()
        except duckdb.Error as exc:
            problems.append(f"{where}: {sql!r} does not run on the {rows}: {_first_line(exc)}")
    if not problems:
        try:
            con.execute(f"create or replace temp table _v_full as {staging_sql(contract)}")
        except duckdb.Error as exc:
            problems.append(f"staging does not run on the {rows}: {_first_line(exc)}")
    con.execute("drop table if exists _v_base; drop table if exists _v_typed; drop table if exists _v_full")
    return problems


def binding_problems(contract: Contract) -> list[str]:
    """Staging's SQL compiled against an empty raw table of the contract (no file needed)."""
    if not contract.sha256:
        return _binding_problems(contract)
    return list(_cached_binding_problems(str(contract.path), contract.sha256, contract))


def _binding_problems(contract: Contract) -> list[str]:
    from assets.ingest.loader import ensure_raw_table
    from assets.ingest.manifest import ensure_schemas

    with duckdb.connect() as con:
        ensure_schemas(con)
        ensure_raw_table(con, contract)
        return sql_run_problems(con, contract, rows="contract's columns")


_BINDING_CACHE: dict[tuple[str, str], tuple[str, ...]] = {}


def _cached_binding_problems(path: str, sha256: str, contract: Contract) -> tuple[str, ...]:
    """One compilation per contract file version and process (the definitions ask for each contract twice)."""
    key = (path, sha256)
    if key not in _BINDING_CACHE:
        _BINDING_CACHE[key] = tuple(_binding_problems(contract))
    return _BINDING_CACHE[key]


# -- two ways to read a date ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AmbiguousDates:
    """A file whose every value of a date column reads both day-first and month-first."""

    source_path: str
    column: str
    format: str  # the format the values were read with
    swapped: str  # the same with day and month exchanged, which reads every value too
    n_values: int
    n_changed: int  # values that are another date when read the other way (3/4 vs 4/3; 5/5 is the same)
    examples: tuple[str, ...]

    def sentence(self) -> str:
        shown = ", ".join(f"'{e}'" for e in self.examples)
        return (
            f"{self.source_path}: every one of the {self.n_values:,} values of {self.column} reads with "
            f"{self.format} and also with {self.swapped} ({self.n_changed:,} would be another date, e.g. {shown}): "
            f"nothing in the file shows which order it uses; confirm it with the export's owner"
        )


def swappable_date_columns(contract: Contract) -> dict[str, list[str]]:
    """Date and timestamp columns read from the file with a format that has a numeric day and month."""
    return {
        name: spec.formats
        for name, spec in contract.read_columns.items()
        if spec.type in ("date", "timestamp")
        and spec.map is None
        and spec.lookup is None
        and any(swapped_format(f) for f in spec.formats)
    }


def _cleaned_text(contract: Contract, column: str) -> str:
    value = f'trim(r."{column}")' if contract.trim else f'r."{column}"'
    from assets.ingest.staging import one_of

    return f"case when {one_of(value, contract.null_values)} then null else {value} end"


DATE_ORDER_DDL = """
create table if not exists meta.date_order_files (
    contract varchar not null,
    file_sha256 varchar not null,
    column_name varchar not null,
    reading varchar not null,           -- the formats, trim and null markers the file was judged under
    format_index integer,               -- the format most of its values read with (null: no value read)
    n_values bigint not null,           -- values that read with one of the formats
    n_both bigint not null,             -- ... and with the same format, day and month swapped
    n_changed bigint not null,          -- ... as another date
    examples varchar[]                  -- the first five of those, in order
)
"""


def _reading(contract: Contract, formats: list[str]) -> str:
    """What a file's judgement depends on besides its rows: the column's formats and how cells are cleaned."""
    text = json.dumps([formats, contract.trim, sorted(contract.null_values)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _judge_new_files(con: duckdb.DuckDBPyConnection, contract: Contract, column: str, formats: list[str]) -> str:
    """Count, in ``meta.date_order_files``, how the values of ``column`` read in each active file not yet judged
    under the column's reading (a file version's rows never change); returns the reading."""
    reading = _reading(contract, formats)
    lit = lambda s: "'" + s.replace("'", "''") + "'"  # noqa: E731
    # each value is read once with each format, and once more in the swapped order of the format it read with
    parsed = ", ".join(f"try_strptime(v, {lit(f)}) as p{i}" for i, f in enumerate(formats))
    first = " ".join(f"when p{i} is not null then {i}" for i in range(len(formats)))
    as_read = " ".join(f"when {i} then p{i}" for i in range(len(formats)))
    swapped = " ".join(
        f"when {i} then try_strptime(v, {lit(swapped_format(f))})" for i, f in enumerate(formats) if swapped_format(f)
    )
    con.execute(DATE_ORDER_DDL)
    key = [contract.name, column]
    con.execute(
        "delete from meta.date_order_files where contract = ? and column_name = ? and reading <> ?", [*key, reading]
    )
    con.execute(
        f"""
        insert into meta.date_order_files
        with todo as (
            select distinct file_sha256 from meta.load_manifest m
            where contract = $contract and status = 'loaded' and not exists (
                select 1 from meta.date_order_files d
                where d.contract = $contract and d.column_name = $column and d.reading = $reading
                  and d.file_sha256 = m.file_sha256)
        ),
        values_ as (
            select r._file_sha256 as f, {_cleaned_text(contract, column)} as v
            from raw.{contract.raw_table} r semi join todo t on t.file_sha256 = r._file_sha256
        ),
        parsed as (
            select f, v, {parsed} from values_ where v is not null
        ),
        read_ as (
            select f, v, k, case k {as_read} end as d, case k {swapped} end as s
            from (select *, case {first} end as k from parsed)
            where k is not null
        ),
        judged as (
            select f, v, k, s is not null as is_both, coalesce(s <> d, false) as is_changed from read_
        ),
        per_file as (
            select f, mode(k) as k, count(*) as n, count(*) filter (where is_both) as n_both,
                   count(*) filter (where is_changed) as n_changed,
                   min(v, 5) filter (where is_changed) as examples
            from judged group by f
        )
        select $contract, t.file_sha256, $column, $reading, p.k, coalesce(p.n, 0), coalesce(p.n_both, 0),
               coalesce(p.n_changed, 0), p.examples
        from todo t left join per_file p on p.f = t.file_sha256
        """,
        {"contract": contract.name, "column": column, "reading": reading},
    )
    return reading


def ambiguous_date_orders(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[AmbiguousDates]:
    """Active files of the contract (``meta.load_manifest``) in which a date column's values all read in the
    swapped day/month order too, and at least one of them as another date: a month-first export loaded under a
    day-first contract (or the reverse) whose days all happen to be 12 or less. Each file version is read once
    per reading of the column (``_judge_new_files``): a new month's night reads the new month's file alone."""
    found = []
    for column, formats in swappable_date_columns(contract).items():
        reading = _judge_new_files(con, contract, column, formats)
        rows = con.execute(
            """
            select distinct m.source_path, d.format_index, d.n_values, d.n_changed, d.examples
            from meta.date_order_files d
            join meta.load_manifest m on m.file_sha256 = d.file_sha256 and m.contract = d.contract
                                     and m.status = 'loaded'
            where d.contract = ? and d.column_name = ? and d.reading = ?
              and d.n_values > 0 and d.n_both = d.n_values and d.n_changed > 0
            order by 1
            """,
            [contract.name, column, reading],
        ).fetchall()
        for path, k, n, n_changed, examples in rows:
            fmt = formats[k]
            found.append(
                AmbiguousDates(path, column, fmt, swapped_format(fmt) or "", n, n_changed, tuple(examples or ()))
            )
    return found


def two_digit_years(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """For each column whose formats read two-digit years (%y) without ``century_start``: how many values of the
    loaded rows have one, and what they become under DuckDB's default reading (00-68 as 20xx) and a century
    earlier."""
    found = []
    for column, spec in contract.read_columns.items():
        two_digit = [f for f in spec.formats if has_two_digit_year(f)]
        if spec.century_start is not None or not two_digit:
            continue
        lit = lambda s: "'" + s.replace("'", "''") + "'"  # noqa: E731
        parsed = f"coalesce({', '.join(f'try_strptime(v, {lit(f)})' for f in two_digit)})"
        n, low, high, examples = con.execute(
            f"""
            with values_ as (
                select {_cleaned_text(contract, column)} as v
                from raw.{contract.raw_table} r
                join meta.load_manifest m on m.file_sha256 = r._file_sha256 and m.contract = ? and m.status = 'loaded'
            ),
            read_ as (select v, {parsed} as d from values_ where v is not null)
            select count(*), min(year(d)), max(year(d)),
                   (list(v || ' (' || year(d) || ' or ' || (year(d) + case when year(d) >= 2000 then -100 else 100
                    end) || '?)' order by d desc) filter (where d is not null))[1:4]
            from read_ where d is not null
            """,
            [contract.name],
        ).fetchone()
        if not n:
            continue
        found.append(
            f"column {column!r}: {n:,} value(s) have a two-digit year, read as {low}..{high} by default: "
            f"{', '.join(examples)}; set century_start to the first year of their 100-year window"
        )
    return found


# -- the contract against its files -----------------------------------------------------------------------------
SAMPLE_ROWS = 1000  # data lines read from each sampled file
SAMPLE_FILES = 3  # files sampled per contract: the first, the middle and the last by path
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


@dataclass
class SampleReport:
    """What a contract does to a sample of its landed files (``kinerja validate-contracts``)."""

    files: int = 0  # files under the landing folder that match the contract
    sampled: list[str] | None = None  # the sampled files, relative to the landing folder
    rows: int = 0  # rows read from the samples
    problems: list[str] | None = None  # what would fail or quarantine every row: the contract is invalid
    warnings: list[str] | None = None  # what may be wrong and cannot be decided from the file

    def __post_init__(self) -> None:
        self.sampled = self.sampled or []
        self.problems = self.problems or []
        self.warnings = self.warnings or []


def _pick(files: list[Path], count: int = SAMPLE_FILES) -> list[Path]:
    if len(files) <= count:
        return files
    return [files[round(i * (len(files) - 1) / (count - 1))] for i in range(count)]


def _sample_copy(path: Path, target: Path, rows: int) -> None:
    """The first ``rows`` rows of a Parquet file, the first ``rows`` + 1 lines of a text file (header and rows),
    the whole file for a spreadsheet or UTF-16/32 text."""
    import shutil

    from assets.ingest.sniff import looks_wide

    target.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        with duckdb.connect() as con:
            try:
                con.execute(
                    f"copy (select * from read_parquet(?) limit {int(rows)}) to '{target}' (format parquet)",
                    [str(path)],
                )
                return
            except duckdb.Error:
                pass  # not readable as Parquet: the loader says why, on the whole file
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if path.suffix.lower() not in TEXT_SUFFIXES or looks_wide(head) is not None:
        shutil.copyfile(path, target)
        return
    sep = b"\n" if b"\n" in head else b"\r"
    lines = rows + 1
    kept, count = bytearray(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            start = 0
            while count < lines:
                end = chunk.find(sep, start)
                if end < 0:
                    break
                count += 1
                start = end + 1
            if count >= lines:
                kept += chunk[:start]
                break
            kept += chunk
    target.write_bytes(bytes(kept))


def _missing_columns_problem(contract: Contract, sample: Path, rel: str) -> str | None:
    """The required columns a file's header lacks, with every name of its header."""
    from assets.ingest.readers import FileReadError, land_file

    relaxed = contract.model_copy(
        update={
            "columns": {n: s.model_copy(update={"required": False}) for n, s in contract.columns.items()},
            "primary_key": [],
            "schema_drift": "ignore",
        }
    )
    with duckdb.connect() as con:
        try:
            landed = land_file(con, relaxed, sample)
        except (FileReadError, duckdb.Error, OSError, UnicodeError):
            return None
    missing = [c for c in contract.required_columns() if c not in landed.columns]
    if not missing:
        return None
    accepted = "; ".join(f"{c}: {[c, *contract.columns[c].aliases]}" for c in missing)
    header = [*landed.columns.values(), *landed.extra_columns]
    return (
        f"file {rel}: no column for required {missing} (accepted names: {accepted}); its header has "
        f"{len(header)} column(s): {header}"
    )


def _untyped_columns(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Typed columns none of whose sampled values converts: a wrong format, separator or type."""
    from assets.ingest.staging import staging_sql

    typed = {n: s for n, s in contract.read_columns.items() if s.type != "string" and s.map is None and not s.lookup}
    if not typed:
        return []
    try:
        bare = contract.model_copy(update={"row_rules": [], "filter": None, "primary_key": []})
        con.execute(f"create or replace temp table _v_all as {staging_sql(bare)}")
    except duckdb.Error:
        return []  # sql_run_problems says why
    problems = []
    for name, spec in typed.items():
        bad, n, example = con.execute(
            f"""
            with v as (
                select "{name}" as t, list_filter(list_concat(_violations, _flags),
                       lambda x: x.rule = 'type_{spec.type}' and x.column_name = '{name}') as bad
                from _v_all
            )
            select count(*) filter (where len(bad) > 0), count(*) filter (where t is not null or len(bad) > 0),
                   min(bad[1].message)
            from v
            """
        ).fetchone()
        if n and bad == n:
            how = f"with formats {spec.formats}" if spec.formats else f"as {spec.type}"
            problems.append(
                f"column {name!r}: none of the {n:,} sampled values reads {how} (e.g. {example}): every row would "
                "be quarantined; correct the type, formats or number_format"
            )
    con.execute("drop table if exists _v_all")
    return problems


def sample_report(contract: Contract, landing_dir: Path, rows: int = SAMPLE_ROWS) -> SampleReport:
    """The contract run over the first ``rows`` rows of up to three of its files under ``landing_dir``: the
    header of each (required columns present), every row rule, expression and format on real values, and two
    things a file alone cannot settle: two-digit years without ``century_start``, and dates that read both
    day-first and month-first."""
    import tempfile

    from assets.ingest.loader import ingest_contract, matching_files

    files = matching_files(contract, landing_dir) if landing_dir.is_dir() else []
    report = SampleReport(files=len(files))
    if not files:
        return report
    with tempfile.TemporaryDirectory(prefix="kinerja-validate-") as tmp:
        sample_dir = Path(tmp) / "landing"
        for path in _pick(files):
            rel = path.relative_to(landing_dir).as_posix()
            _sample_copy(path, sample_dir / rel, rows)
            report.sampled.append(rel)
        with duckdb.connect() as con:
            outcomes = ingest_contract(con, contract, sample_dir)
            for outcome in outcomes:
                if outcome.status != "failed":
                    continue
                problem = None
                if "required_column" in (outcome.error or ""):
                    problem = _missing_columns_problem(contract, sample_dir / outcome.source_path, outcome.source_path)
                error = (outcome.error or "").replace(str(sample_dir / outcome.source_path), outcome.source_path)
                report.problems.append(problem or f"file {outcome.source_path} cannot be read: {error}")
            read = "select coalesce(sum(rows_read), 0) from meta.load_manifest where contract = ? and status = 'loaded'"
            report.rows = int(con.execute(read, [contract.name]).fetchone()[0])
            if report.rows:
                sql_problems = sql_run_problems(con, contract, rows="sampled rows")
                report.problems += sql_problems
                if not sql_problems:
                    report.problems += _untyped_columns(con, contract)
                report.problems += two_digit_years(con, contract)
                report.warnings += [a.sentence() for a in ambiguous_date_orders(con, contract)]
    return report
