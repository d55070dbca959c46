"""The same quality checks as plain DuckDB SQL, over the same rows GX would validate: one scan for every row-level
check of a table, one grouped query per uniqueness check, and the table-level checks.

Used for tables too large to pull into pandas (checks/runner.py) and by benchmarks/check_cost.py to measure what
GX costs. Counting follows GX: a check considers the rows whose value is present (all rows for not_null), and
passes when (considered - unexpected) / considered >= mostly, or when nothing is considered.

Both engines read the rows from ``source_select``: rule conditions and relationship lookups are evaluated there,
as boolean columns, since GX's DataFrame cannot run SQL or see the parent table.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from checks.gx_suite import SAMPLE_SIZE, RawResult
from checks.spec import CONSTANT_MIN_VALUES, QualityCheck

ROW_NO = "_row_no"  # names the rows of a table without a key, as GX does by position


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def reference_flag(check: QualityCheck) -> str:
    """Whether the row's value is in the parent table (null when the row has no value)."""
    column, parent = q(check.columns[0]), q(check.parent_column)
    also = f" or {column} in ({', '.join(lit(v) for v in check.also)})" if check.also else ""
    found = f"{column} in (select {parent} from {check.parent_table} where {parent} is not null){also}"
    return f"case when {column} is null then null else ({found}) end as {q(check.reference_column)}"


def source_select(table: str, condition: str, columns: Sequence[str], checks: Sequence[QualityCheck]) -> str:
    """The rows both engines check: ``columns`` of the rows meeting ``condition``, plus one boolean column per
    rule (its condition) and per relationship (value found in the parent)."""
    picked = [q(c) for c in columns]
    picked += [f"coalesce(({c.sql}), true) as {q(c.rule_column)}" for c in checks if c.kind == "rule"]
    picked += [reference_flag(c) for c in checks if c.kind == "relationship"]
    return f"select {', '.join(picked) or '1 as _one'} from {table} where {condition}"


def _key_sql(key_columns: Sequence[str]) -> str:
    if not key_columns:
        return f"'row ' || ({ROW_NO} - 1)"
    return " || ', ' || ".join(f"{lit(k + '=')} || coalesce({q(k)}::varchar, '')" for k in key_columns)


def _conditions(check: QualityCheck) -> tuple[str, str]:
    """(rows the check considers, rows that fail it) as SQL conditions on one row of the source."""
    cols = [q(c) for c in check.columns]
    present = " and ".join(f"{c} is not null" for c in cols)
    column = cols[0] if cols else None
    if check.kind == "not_null":
        return "true", f"{column} is null"
    if check.kind == "in_set":
        return present, f"{column} not in ({', '.join(lit(v) for v in check.values)})"
    if check.kind == "relationship":
        flag = q(check.reference_column)
        return f"{flag} is not null", f"not {flag}"
    if check.kind == "between":
        bounds = [f"{column} < {check.min_value!r}"] if check.min_value is not None else []
        bounds += [f"{column} > {check.max_value!r}"] if check.max_value is not None else []
        return present, " or ".join(bounds) or "false"
    if check.kind == "pattern":
        return present, f"not regexp_full_match({column}, {lit(check.pattern)})"
    if check.kind == "order":
        later, earlier = cols
        return present, f"not ({later} {'>' if check.strict else '>='} {earlier})"
    if check.kind == "rule":
        return "true", f"not {q(check.rule_column)}"
    raise ValueError(f"{check.kind} is not a row check")


def _passes(considered: int, unexpected: int, mostly: float) -> bool:
    if considered == 0:
        return True
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def _row_checks(con, source: str, checks: Sequence[QualityCheck], keys: str) -> dict[str, RawResult]:
    """Every row-level check in one scan of the source, and the keys of the failing rows in a second scan of those
    rows alone, when some fail: a key is text built for each row it names, which over every row cost more than
    the checks themselves (at L, 1.8 s of the 3.0 s of the attendance facts' checks)."""
    conditions = [_conditions(check) for check in checks]
    bad = [f"({considered}) and ({failing})" for considered, failing in conditions]
    counts = [
        part
        for (considered, _), failing in zip(conditions, bad, strict=True)
        for part in (f"count(*) filter (where {considered})", f"count(*) filter (where {failing})")
    ]
    row = con.execute(f"with scoped as ({source}) select {', '.join(counts)} from scoped").fetchall()[0]
    failed = [i for i in range(len(checks)) if row[2 * i + 1]]
    samples: dict[int, list | None] = {}
    if failed:
        parts = [f"(list({keys} order by {keys}) filter (where {bad[i]}))[1:{SAMPLE_SIZE}]" for i in failed]
        rows = " or ".join(f"({bad[i]})" for i in failed)
        found = con.execute(f"with scoped as ({source}) select {', '.join(parts)} from scoped where {rows}").fetchall()
        samples = dict(zip(failed, found[0], strict=True))
    results = {}
    for i, check in enumerate(checks):
        n, n_bad = row[2 * i : 2 * i + 2]
        results[check.name] = RawResult(_passes(n, n_bad, check.mostly), n, n_bad, sample=tuple(samples.get(i) or ()))
    return results


def _unique_check(con, source: str, check: QualityCheck, keys: str) -> RawResult:
    cols = ", ".join(q(c) for c in check.columns)
    # one column: rows with a value; several: rows where not every column is missing (GX's default)
    present = (" and " if len(check.columns) == 1 else " or ").join(f"{q(c)} is not null" for c in check.columns)
    considered = f"select {cols} from ({source}) where {present}"
    repeated = f"select {cols} from considered group by all having count(*) > 1"
    # rows with equal values have equal hashes: when no hash repeats, no row does. One 64-bit value per row,
    # sorted, each compared with the one before, is quicker than grouping the columns (at L, 25 million rows of
    # attendance: 1.3 s, where counting distinct hashes took 3.2 s and grouping the columns 4.0 s); only a
    # repeated hash needs the columns themselves
    n, same_hash = con.execute(
        f"""
        select count(*), count(*) filter (where h = before)
        from (select h, lag(h) over (order by h) as before from (select hash({cols}) as h from ({considered})))
        """
    ).fetchall()[0]
    bad = 0
    if same_hash:
        bad = con.execute(
            f"""
            with considered as ({considered}),
            repeated as (select count(*) as n_same from considered group by {cols} having count(*) > 1)
            select coalesce(sum(n_same), 0) from repeated
            """
        ).fetchall()[0][0]
    sample: tuple = ()
    if bad:  # the keys of the repeated rows (a null equals a null here, as in GX)
        same = " and ".join(f"c.{q(col)} is not distinct from r.{q(col)}" for col in check.columns)
        sample = con.execute(
            f"""
            with considered as (select *, {keys} as _key from ({source}) where {present}),
            repeated as ({repeated})
            select list(c._key order by c._key)[1:{SAMPLE_SIZE}] from considered c join repeated r on {same}
            """
        ).fetchall()[0][0]
    return RawResult(_passes(n, bad, check.mostly), n, int(bad), sample=tuple(sample or ()))


def _table_check(con, source: str, check: QualityCheck) -> RawResult:
    if check.kind == "row_count":
        n = con.execute(f"with scoped as ({source}) select count(*) from scoped").fetchall()[0][0]
        ok = (check.min_value is None or n >= check.min_value) and (check.max_value is None or n <= check.max_value)
        return RawResult(ok, observed=str(n))
    cursor = con.execute(f"with scoped as ({source}) select * from scoped limit 0")
    actual = {d[0] for d in cursor.description} - {ROW_NO}
    cursor.fetchall()
    missing, unexpected = sorted(set(check.values) - actual), sorted(actual - set(check.values))
    ok = not missing and not unexpected
    return RawResult(ok, observed="as expected" if ok else f"missing {missing}, unexpected {unexpected}")


# the rows read first by the constant-columns check: a column with two values among them varies
CONSTANT_SAMPLE_ROWS = 100_000


def constant_check(con, source: str, check: QualityCheck) -> RawResult:
    """The columns of ``check`` that hold one value in every row that has one (at least CONSTANT_MIN_VALUES
    values): min = max is one streaming pass, where counting distinct values would hash every column. A column
    with two values among the first ``CONSTANT_SAMPLE_ROWS`` rows varies, so only the others are read in full (a
    full pass over every column of a large table took about a second each night, for columns that nearly always
    vary in their first rows)."""
    varies = ", ".join(f"coalesce(min({q(c)}) <> max({q(c)}), false)" for c in check.columns)
    first = con.execute(f"select {varies} from (select * from ({source}) limit {CONSTANT_SAMPLE_ROWS})").fetchall()[0]
    maybe = [c for c, varied in zip(check.columns, first, strict=True) if not varied]
    parts = [f"count({q(c)}), min({q(c)}) = max({q(c)}), min({q(c)})::varchar" for c in maybe]
    row = con.execute(f"with scoped as ({source}) select {', '.join(['count(*)', *parts])} from scoped").fetchall()[0]
    constant = []
    for i, column in enumerate(maybe):
        n, same, value = row[1 + 3 * i : 4 + 3 * i]
        if n >= CONSTANT_MIN_VALUES and same:
            constant.append(f"{column} = {value!r} in all {n:,} rows with a value")
    observed = "; ".join(constant) if constant else f"no constant column among {len(check.columns)}"
    return RawResult(
        not constant,
        rows_considered=int(row[0]),
        unexpected_count=len(constant),
        observed=observed,
        sample=tuple(constant[:SAMPLE_SIZE]),
    )


def _row_text(names: Sequence[str], row: Sequence) -> str:
    """A failing row of a query rule as `col=value, ...` (a float without noise, at most 300 characters)."""

    def shown(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.10g}"
        return str(value)

    text = ", ".join(f"{n}={shown(v)}" for n, v in zip(names, row, strict=True))
    return text if len(text) <= 300 else text[:297] + "..."


def query_check(con, check: QualityCheck) -> RawResult:
    """A query rule: its SELECT returns the failing rows (none: it holds). Counted in one pass; the sample is the
    first rows in the order of all their columns, so the same failures give the same sample."""
    query = check.sql.strip().rstrip(";")
    counted = f"select *, count(*) over () as _n_failing from failing order by all limit {SAMPLE_SIZE}"
    cursor = con.execute(f"with failing as ({query}) {counted}")
    names = [d[0] for d in cursor.description][:-1]
    rows = cursor.fetchall()
    n = int(rows[0][-1]) if rows else 0
    sample = tuple(_row_text(names, r[:-1]) for r in rows)
    observed = "no failing row" if not n else f"{n:,} failing row{'s' if n != 1 else ''}"
    return RawResult(not n, unexpected_count=n, observed=observed, sample=sample)


def _error(exc: Exception) -> RawResult:
    return RawResult(success=False, error=str(exc).splitlines()[0][:300])


def run_sql(
    con: duckdb.DuckDBPyConnection, source: str, checks: Sequence[QualityCheck], key_columns: Sequence[str]
) -> dict[str, RawResult]:
    """Every check over ``source`` (from ``source_select``, with every column and derived column the checks read)."""
    if not key_columns:
        source = f"select *, row_number() over () as {ROW_NO} from ({source})"
    keys = _key_sql(key_columns)
    row_level = [c for c in checks if c.kind not in ("unique", "row_count", "columns", "constant", "query")]
    results: dict[str, RawResult] = {}
    try:
        results.update(_row_checks(con, source, row_level, keys) if row_level else {})
    except duckdb.Error:  # find the check that does not run; the others still get their result
        for check in row_level:
            try:
                results.update(_row_checks(con, source, [check], keys))
            except duckdb.Error as exc:
                results[check.name] = _error(exc)
    for check in checks:
        try:
            if check.kind == "unique":
                results[check.name] = _unique_check(con, source, check, keys)
            elif check.kind in ("row_count", "columns"):
                results[check.name] = _table_check(con, source, check)
            elif check.kind == "constant":
                results[check.name] = constant_check(con, source, check)
            elif check.kind == "query":
                results[check.name] = query_check(con, check)
        except duckdb.Error as exc:
            results[check.name] = _error(exc)
    return results
