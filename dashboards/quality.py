"""The data-quality page: every source's load (meta.load_manifest), quarantined rows per source and rule
(quarantine.*), and once ``meta.check_results`` exists the checks whose latest result failed (errors first) and
a table x day matrix of pass/fail over the last 30 days.

``quarantined_rows`` is the one count of quarantined rows: the badge on every page, its tooltip, this page's
card, the monthly review and the CLI all use it."""

from __future__ import annotations

from pathlib import Path

import duckdb
from markupsafe import Markup

from assets.ingest.contracts import ContractError, load_contract
from assets.metadata import redact
from checks.data_docs import DOCS_DIR
from dashboards.findings import data_findings_tables, department_shown, findings_rows, merge_rows
from dashboards.i18n import domain_name, timestamp_label
from dashboards.render import Site, dashboard_page
from dashboards.warehouse import columns_of, latest_check_results, table_exists
from pipelines.db import schema_tables

NOTE_CHARS = 240


def _quarantine_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return schema_tables(con, "quarantine")


def quarantined_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Quarantined rows per source contract (``quarantine.<contract>``) that count now: rows of the file versions
    that currently count, i.e. ``loaded`` in ``meta.load_manifest`` for that contract. A version that was
    superseded, retracted or held does not count, whatever rows of it a quarantine table still holds, and the
    manifest's own ``rows_quarantined`` (written when a version was staged) is not read. Without a manifest (a
    warehouse built by hand) every row of a quarantine table counts. Sources with none are left out."""
    counts: dict[str, int] = {}
    for name in _quarantine_tables(con):
        n = con.execute(f'select count(*) from quarantine."{name}" where {_counts_now(con, name)}').fetchall()[0][0]
        if n:
            counts[name] = int(n)
    return counts


def _counts_now(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """SQL condition on a row of ``quarantine.<name>``: its file version currently counts (``loaded``)."""
    if not table_exists(con, "meta.load_manifest") or "_file_sha256" not in columns_of(con, f'quarantine."{name}"'):
        return "true"
    contract = name.replace("'", "''")
    return (
        "_file_sha256 in (select file_sha256 from meta.load_manifest "
        f"where contract = '{contract}' and status = 'loaded')"
    )


def quarantine_by_rule(con: duckdb.DuckDBPyConnection) -> list[list]:
    """[source, rule, column, rows] of every quarantined row that counts now (``quarantined_rows`` in total)."""
    out = []
    for name in _quarantine_tables(con):
        cols = columns_of(con, f'quarantine."{name}"')
        rule = "rule::varchar" if "rule" in cols else "null::varchar"
        column = "column_name::varchar" if "column_name" in cols else "null::varchar"
        rows = con.execute(
            f'select {rule}, {column}, count(*) from quarantine."{name}" where {_counts_now(con, name)} '
            "group by all order by all"
        ).fetchall()
        out += [[name, redact(r), redact(c), int(n)] for r, c, n in rows]
    return out


def quarantined_rows(con: duckdb.DuckDBPyConnection) -> int:
    """The one count of quarantined rows every page, the quality badge, its tooltip and the CLI give: rows in
    ``quarantine.*`` of the file versions that currently count (``quarantined_by_source``)."""
    return sum(quarantined_by_source(con).values())


def sources(con: duckdb.DuckDBPyConnection, site: Site) -> list[list]:
    if not table_exists(con, "meta.load_manifest"):
        return []
    rows = con.execute(
        """
        select contract,
               count(*) filter (where status = 'loaded'),
               count(*) filter (where status = 'failed'),
               coalesce(sum(rows_read) filter (where status = 'loaded'), 0),
               coalesce(sum(rows_staged) filter (where status = 'loaded'), 0),
               coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0),
               max(loaded_at),
               string_agg(distinct coalesce(error, schema_drift), '; ' order by coalesce(error, schema_drift))
                   filter (where status = 'failed' or schema_drift is not null)
        from meta.load_manifest
        where status in ('loaded', 'failed')
        group by contract
        order by contract
        """
    ).fetchall()
    return [
        [
            c,
            int(f),
            int(x),
            int(r),
            int(s),
            int(q),
            timestamp_label(at, site.language) if at else "",
            redact(note)[:NOTE_CHARS],
        ]
        for c, f, x, r, s, q, at, note in rows
    ]


def _record_month(contract_name: str, settings) -> tuple[str, str]:
    """SQL for the month and department of a quarantined row, from its contract's first date column."""
    try:
        contract = load_contract(settings.contracts_dir / f"{contract_name}.yaml")
    except (ContractError, OSError):
        return "null::date", "null"
    dates = [(c, s) for c, s in contract.columns.items() if s.type == "date"]
    month = "null::date"
    if dates:
        column, spec = dates[0]
        text = f"json_extract_string(record, '$.{column}')"
        parsed = f"try_cast({text} as date)"
        if spec.formats:
            formats = ", ".join("'" + f.replace("'", "''") + "'" for f in spec.formats)
            parsed = f"coalesce(try_strptime({text}, [{formats}])::date, {parsed})"
        month = f"case when json_valid(record) then date_trunc('month', {parsed})::date end"
    department = (
        "case when json_valid(record) then json_extract_string(record, '$.department_id') end"
        if "department_id" in contract.columns
        else "null"
    )
    return month, department


def quarantine_rows(con: duckdb.DuckDBPyConnection, site: Site) -> list[list]:
    index = {p: i for i, p in enumerate(site.periods)}
    out = []
    for name in _quarantine_tables(con):
        cols = columns_of(con, f"quarantine.{name}")
        month, department = _record_month(name, site.settings) if "record" in cols else ("null::date", "null")
        rule = "rule::varchar" if "rule" in cols else "null::varchar"
        column = "column_name::varchar" if "column_name" in cols else "null::varchar"
        rows = con.execute(
            f"""
            select {rule}, {column}, {month} as month, {department} as department_id, count(*)
            from quarantine."{name}" where {_counts_now(con, name)} group by all having count(*) > 0 order by all
            """
        ).fetchall()
        for rule, column, period, dept, n in rows:
            i = -1 if period is None else index.get(period)
            if i is None:
                continue  # a record dated outside the reporting window
            out.append([name, redact(rule), redact(column), i, department_shown(site, dept, i), int(n)])
    return merge_rows(out, 5)


MATRIX_DAYS = 30
SEVERITY_ORDER = {"ERROR": 0, "WARN": 1}


def check_matrix(con: duckdb.DuckDBPyConnection) -> dict | None:
    """Checks per table and day over the last ``MATRIX_DAYS`` days that have results (up to the latest):
    ``days`` (ISO dates) and ``rows`` [table, one mark per day, checks failing on the latest day], the tables
    with failures first. A mark is ``f`` when an ERROR check failed that day, ``w`` when only a WARN check did,
    ``p`` when every check run passed, ``-`` when none ran."""
    if not table_exists(con, "meta.check_results"):
        return None
    rows = con.execute(
        f"""
        with results as (
            select table_name, checked_at::date as day, passed, severity = 'ERROR' as is_error
            from meta.check_results
        ),
        last_day as (select max(day) as day from results),
        window_days as (
            select unnest(generate_series(day - {MATRIX_DAYS - 1}, day, interval 1 day))::date as day from last_day
        ),
        per_day as (
            select table_name, day,
                   case when bool_or(not passed and is_error) then 'f' when bool_or(not passed) then 'w' else 'p' end
                       as mark
            from results where day >= (select min(day) from window_days)
            group by all
        )
        select t.table_name, string_agg(coalesce(p.mark, '-'), '' order by w.day)
        from (select distinct table_name from per_day) t
        cross join window_days w
        left join per_day p on p.table_name = t.table_name and p.day = w.day
        group by t.table_name
        order by t.table_name
        """
    ).fetchall()
    days = con.execute(
        f"select unnest(generate_series(max(checked_at)::date - {MATRIX_DAYS - 1}, max(checked_at)::date, "
        "interval 1 day))::date from meta.check_results"
    ).fetchall()
    if not rows:
        return {"days": [], "rows": []}
    ordered = sorted(rows, key=lambda r: ("f" not in r[1], "w" not in r[1], r[0]))
    return {"days": [d[0].isoformat() for d in days], "rows": [[redact(t), marks] for t, marks in ordered]}


def checks_needing_attention(checks: list[dict], site: Site) -> list[list]:
    """The checks whose latest result failed, ERROR before WARN, then by table and check: [table, check,
    passed, severity, checked at, rows failing]."""
    failing = sorted(
        (c for c in checks if not c["passed"]),
        key=lambda c: (SEVERITY_ORDER.get(str(c["severity"] or "").upper(), 2), str(c["table"]), str(c["check"])),
    )
    return [
        [
            redact(c["table"]),
            redact(c["check"]),
            False,
            str(c["severity"] or ""),
            timestamp_label(c["checked_at"], site.language) if hasattr(c["checked_at"], "month") else "",
            c["unexpected"],
        ]
        for c in failing
    ]


def quality_payload(con: duckdb.DuckDBPyConnection, site: Site) -> tuple[dict, list[str]]:
    checks = latest_check_results(con)
    notes = [site.text("quarantine_note")]
    if checks is None:
        notes.append(site.text("not_available", table="meta.check_results"))
    tables = data_findings_tables(con)
    labelled = [
        (site.text("source_data", domain=domain_name(t.split(".")[1].removesuffix("_data_findings"), site.language)), t)
        for t in tables
    ]
    finding_sources, finding_rows, _, _ = findings_rows(con, site, labelled)
    if tables:
        notes.append(site.text("details_in_warehouse", tables=", ".join(tables)))
    payload = {
        "kind": "quality",
        "findingSources": [s["label"] for s in finding_sources],
        "findings": finding_rows,
        "sources": sources(con, site),
        "rows": quarantine_rows(con, site),
        # the one count of the badge, its tooltip and the card; by source and rule for the table
        "quarantined": quarantined_rows(con),
        "quarantine": quarantine_by_rule(con),
        # only the checks whose latest result failed (the passed ones are counted, and shown in the matrix)
        "checks": None if checks is None else checks_needing_attention(checks, site),
        "checksPassed": None if checks is None else sum(1 for c in checks if c["passed"]),
        "matrix": check_matrix(con),
    }
    return payload, notes


def data_docs_link(site: Site) -> Markup:
    """A note linking to the Great Expectations Data Docs published beside this page (checks/data_docs.py)."""
    return Markup('<a href="{}" data-data-docs>{}</a>').format(f"{DOCS_DIR}/index.html", site.text("data_docs_link"))


def render_quality(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    payload, notes = quality_payload(con, site)
    if payload["checks"] is not None:
        notes.append(data_docs_link(site))
    return dashboard_page(site, "quality", site.text("title_quality"), "quality.html", payload, notes)
