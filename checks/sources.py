"""Checks on a source as a whole, from the load manifest: nothing lost, no unreadable file, freshness against the
contract's expected cadence, and schema drift between loads (of the landed files and of the staging table).

Each function returns a ``CheckOutcome`` (engine "manifest"); checks/ingest.py wires them as Dagster checks.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from assets.ingest.contracts import Contract
from checks.results import CheckOutcome
from checks.spec import ERROR, WARN

SAMPLE_SIZE = 10
# A monthly export lands a few days after the month closes; a source is stale once its expected cadence plus
# this grace has passed since a new file version last arrived.
FRESHNESS_GRACE_DAYS = 5

ROW_ACCOUNTING = "row_accounting_per_file"
NO_FAILED_FILES = "no_failed_files"
FRESHNESS = "freshness_last_load"
SOURCE_DRIFT = "schema_drift_source_columns"
STAGING_DRIFT = "schema_drift_staging_columns"

COLUMN_SCHEMAS_DDL = """
create table if not exists meta.column_schemas (
    table_name varchar not null,
    columns varchar not null,           -- JSON list of [column, type] in table order
    recorded_at timestamp not null      -- a row is added only when the schema differs from the last one
)
"""


def _outcome(
    contract_name: str, name: str, dimension: str, severity: str, passed: bool, description: str, **fields
) -> CheckOutcome:
    return CheckOutcome(
        table=f"staging.stg_{contract_name}",
        name=name,
        dimension=dimension,
        severity=severity,
        passed=passed,
        description=description,
        engine="manifest",
        scope="active files",
        **fields,
    )


def row_accounting(con: duckdb.DuckDBPyConnection, contract_name: str) -> CheckOutcome:
    rows = con.execute(
        """
        select source_path, rows_read, rows_staged, rows_quarantined from meta.load_manifest
        where contract = ? and status = 'loaded' order by source_path
        """,
        [contract_name],
    ).fetchall()
    unbalanced = [r for r in rows if r[1] != (r[2] or 0) + (r[3] or 0)]
    return _outcome(
        contract_name,
        ROW_ACCOUNTING,
        "completeness",
        ERROR,
        not unbalanced,
        f"{len(unbalanced)} file(s) whose rows read differ from rows staged + quarantined: reload them and report "
        "the ingestion defect."
        if unbalanced
        else f"All {len(rows)} file(s) balance: rows read = staged + quarantined.",
        rows_checked=len(rows),
        unexpected_count=len(unbalanced),
        observed_value=f"read {sum(r[1] or 0 for r in rows)}, staged {sum(r[2] or 0 for r in rows)}, "
        f"quarantined {sum(r[3] or 0 for r in rows)}",
        threshold="every file",
        sample_keys=tuple(f"{p}: read {r}, staged {s}, quarantined {x}" for p, r, s, x in unbalanced[:SAMPLE_SIZE]),
    )


def failed_files(con: duckdb.DuckDBPyConnection, contract_name: str) -> CheckOutcome:
    failed = con.execute(
        "select source_path, error from meta.load_manifest where contract = ? and status = 'failed' order by 1",
        [contract_name],
    ).fetchall()
    return _outcome(
        contract_name,
        NO_FAILED_FILES,
        "validity",
        WARN,
        not failed,
        f"{len(failed)} file(s) could not be loaded; fix the file or the contract and rerun: "
        + " | ".join(e for _, e in failed[:3])
        if failed
        else "Every landed file was readable.",
        unexpected_count=len(failed),
        threshold="no failed file",
        sample_keys=tuple(f"{p}: {e}" for p, e in failed[:SAMPLE_SIZE]),
    )


def freshness(con: duckdb.DuckDBPyConnection, contract: Contract, now: dt.datetime | None = None) -> CheckOutcome:
    """Days since a new file version of the source last arrived, against its expected cadence plus grace."""
    now = now or dt.datetime.now()
    cadence = contract.expected_cadence_days
    limit = cadence + FRESHNESS_GRACE_DAYS
    last, newest = con.execute(
        "select max(loaded_at), arg_max(source_path, (loaded_at, source_path)) from meta.load_manifest "
        "where contract = ? and status = 'loaded'",
        [contract.name],
    ).fetchall()[0]
    threshold = f"a new file every {cadence} days + {FRESHNESS_GRACE_DAYS} days' grace"
    if last is None:
        return _outcome(
            contract.name,
            FRESHNESS,
            "timeliness",
            WARN,
            False,
            f"No file of {contract.name} has ever loaded (expected one every {cadence} days): put the export in "
            f"the landing folder under {', '.join(contract.files)} or fix the contract's file patterns.",
            threshold=threshold,
            observed_value="never loaded",
        )
    age = (now - last).total_seconds() / 86400
    ok = age <= limit
    return _outcome(
        contract.name,
        FRESHNESS,
        "timeliness",
        WARN,
        ok,
        f"The last new file of {contract.name} ({newest}) loaded {age:.1f} days ago, within {threshold}."
        if ok
        else f"No new file of {contract.name} for {age:.1f} days (expected {threshold}; last {newest}): ask "
        f"{contract.owner} for the missing export and put it under {', '.join(contract.files)}.",
        observed_value=f"{age:.1f} days since {last:%Y-%m-%d %H:%M}",
        threshold=threshold,
        metadata={"last_loaded_at": str(last), "newest_file": newest, "age_days": round(age, 2)},
    )


def _mapping_change(before: str | None, after: str | None) -> str:
    old, new = json.loads(before or "{}"), json.loads(after or "{}")
    parts = []
    if added := sorted(set(new) - set(old)):
        parts.append(f"now has {added}")
    if removed := sorted(set(old) - set(new)):
        parts.append(f"no longer has {removed}")
    if renamed := sorted(f"{c}: '{old[c]}' -> '{new[c]}'" for c in set(old) & set(new) if old[c] != new[c]):
        parts.append(f"renamed headers {renamed}")
    return "; ".join(parts)


def source_drift(con: duckdb.DuckDBPyConnection, contract: Contract) -> CheckOutcome:
    """Columns of each file of the newest load against the file before it (the first file: against the contract)."""
    files = con.execute(
        """
        select source_path, columns_mapped, schema_drift, loaded_at,
               loaded_at = max(loaded_at) over () as is_newest_load
        from meta.load_manifest where contract = ? and status = 'loaded'
        order by loaded_at, source_path
        """,
        [contract.name],
    ).fetchall()
    events = []
    for i, (path, mapped, drift, _, is_newest) in enumerate(files):
        if not is_newest:
            continue
        if i == 0:
            if drift:
                events.append(f"{path}: {drift}")
            continue
        before_path, before_mapped, before_drift = files[i - 1][:3]
        change = _mapping_change(before_mapped, mapped)
        if drift != before_drift:
            now = f"drift now: {drift or 'none'} (was: {before_drift or 'none'})"
            change = f"{change}; {now}" if change else now
        if change:
            events.append(f"{path} (after {before_path}): {change}")
    ignored = contract.schema_drift == "ignore"
    return _outcome(
        contract.name,
        SOURCE_DRIFT,
        "schema",
        WARN,
        not events or ignored,
        f"The columns of {len(events)} newly loaded file(s) of {contract.name} changed: {events[0]}. Add the new "
        "names as aliases in the contract, or ask the source owner why the export changed."
        + (" (schema_drift: ignore)" if ignored else "")
        if events
        else f"The newest load of {contract.name} has the same columns as the file before it"
        + (" (the first file: as the contract)." if files and files[0][4] else "."),
        rows_checked=len(files),
        unexpected_count=len(events),
        threshold=f"policy {contract.schema_drift}",
        sample_keys=tuple(events[:SAMPLE_SIZE]),
    )


def staging_drift(con: duckdb.DuckDBPyConnection, contract: Contract, now: dt.datetime | None = None) -> CheckOutcome:
    """The staging table's columns and types against the last recorded schema; a change is recorded."""
    table = f"staging.{contract.staging_table}"
    con.execute(COLUMN_SCHEMAS_DDL)
    current = [[name, str(kind)] for name, kind, *_ in con.execute(f"describe {table}").fetchall()]
    rows = con.execute(
        "select columns, recorded_at from meta.column_schemas where table_name = ? "
        "order by recorded_at desc, rowid desc limit 1",
        [table],
    ).fetchall()

    def unchanged(sentence: str) -> CheckOutcome:
        shape = f"{len(current)} columns"
        return _outcome(contract.name, STAGING_DRIFT, "schema", WARN, True, sentence, observed_value=shape)

    if rows and json.loads(rows[0][0]) == current:
        return unchanged(f"{table} has the same {len(current)} columns and types as recorded on {rows[0][1]:%Y-%m-%d}.")
    con.execute(
        "insert into meta.column_schemas values (?, ?, ?)",
        [table, json.dumps(current), now or dt.datetime.now().replace(microsecond=0)],
    )
    if not rows:
        return unchanged(f"First schema of {table} recorded ({len(current)} columns); later changes will be reported.")
    before = dict(map(tuple, json.loads(rows[0][0])))
    after = dict(map(tuple, current))
    changes = [f"added {c} {t}" for c, t in after.items() if c not in before]
    changes += [f"removed {c}" for c in before if c not in after]
    changes += [f"{c}: {before[c]} -> {after[c]}" for c in after if c in before and before[c] != after[c]]
    changes = changes or ["the column order changed"]
    return _outcome(
        contract.name,
        STAGING_DRIFT,
        "schema",
        WARN,
        False,
        f"{table} changed since {rows[0][1]:%Y-%m-%d}: {'; '.join(changes[:5])}. Check the contract change "
        "behind it and the models and dashboards that read these columns.",
        unexpected_count=len(changes),
        observed_value=f"{len(current)} columns",
        sample_keys=tuple(changes[:SAMPLE_SIZE]),
    )


DATE_ORDER = "date_order_unambiguous"
FLAGGED_VALUES = "flagged_values"


def date_order(con: duckdb.DuckDBPyConnection, contract: Contract) -> CheckOutcome:
    """Active files in which every value of a day-first (or month-first) date column also reads the other way
    round: a month-first export under a day-first contract loads with every date wrong when its days are all 12
    or less, and nothing else notices."""
    from assets.ingest.validate import ambiguous_date_orders, swappable_date_columns

    found = ambiguous_date_orders(con, contract)
    columns = ", ".join(swappable_date_columns(contract))
    return _outcome(
        contract.name,
        DATE_ORDER,
        "validity",
        WARN,
        not found,
        f"In {len(found)} file(s) of {contract.name} every date reads both day-first and month-first: "
        f"{found[0].sentence()}. If the export is in the other order, swap %d and %m in the column's formats."
        if found
        else f"In every active file of {contract.name}, {columns}: a value that reads only one way (a day above 12), "
        "or no value.",
        unexpected_count=len(found),
        threshold="a value that reads only one way in every file",
        observed_value=f"{len(found)} file/column(s) ambiguous",
        sample_keys=tuple(f.sentence() for f in found[:SAMPLE_SIZE]),
        metadata={
            "ambiguous": [
                {
                    "file": f.source_path,
                    "column": f.column,
                    "format": f.format,
                    "swapped": f.swapped,
                    "values": f.n_values,
                    "changed": f.n_changed,
                    "examples": list(f.examples),
                }
                for f in found[:SAMPLE_SIZE]
            ]
        },
    )


def flagged_values(con: duckdb.DuckDBPyConnection, contract: Contract) -> CheckOutcome:
    """Values that ``on_error: null_and_flag`` columns set to null in staged rows (meta.staging_flags)."""
    from pipelines.db import table_exists

    rows = []
    if table_exists(con, "meta.staging_flags"):
        rows = con.execute(
            """
            select f.source_path, f.column_name, f.rule, count(*), min(f.message)
            from meta.staging_flags f
            join meta.load_manifest m on m.file_sha256 = f.file_sha256 and m.contract = f.contract
                                     and m.status = 'loaded'
            where f.contract = ? group by all order by 4 desc, 1, 2, 3
            """,
            [contract.name],
        ).fetchall()
    total = sum(r[3] for r in rows)
    return _outcome(
        contract.name,
        FLAGGED_VALUES,
        "validity",
        WARN,
        not rows,
        f"{total:,} value(s) of staged rows of {contract.name} broke their column's checks and were set to null "
        f"(on_error: null_and_flag), e.g. {rows[0][0]}: {rows[0][4]}; every one is in meta.staging_flags: "
        "correct them in the source export."
        if rows
        else f"No value of {contract.name} was set to null by on_error: null_and_flag.",
        unexpected_count=total,
        threshold="no flagged value",
        observed_value=f"{total} value(s) flagged",
        sample_keys=tuple(f"{p}: {c} ({r}): {n} value(s), e.g. {m}" for p, c, r, n, m in rows[:SAMPLE_SIZE]),
    )
