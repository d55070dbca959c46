"""The data-quality page: every source's load (meta.load_manifest), quarantined rows per source and rule
(quarantine.*), and the latest result of every check once ``meta.check_results`` exists."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.ingest.contracts import ContractError, load_contract
from dashboards.findings import data_findings_tables, department_shown, findings_rows, merge_rows
from dashboards.formatting import redact
from dashboards.i18n import domain_name, timestamp_label
from dashboards.render import Site, dashboard_page
from dashboards.warehouse import columns_of, latest_check_results, table_exists

NOTE_CHARS = 240


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
        [c, int(f), int(x), int(r), int(s), int(q), timestamp_label(at, site.language) if at else "",
         redact(note)[:NOTE_CHARS]]
        for c, f, x, r, s, q, at, note in rows
    ]  # fmt: skip


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
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'quarantine' order by 1"
        ).fetchall()
    ]
    out = []
    for name in tables:
        cols = columns_of(con, f"quarantine.{name}")
        month, department = _record_month(name, site.settings) if "record" in cols else ("null::date", "null")
        rule = "rule::varchar" if "rule" in cols else "null::varchar"
        column = "column_name::varchar" if "column_name" in cols else "null::varchar"
        rows = con.execute(
            f"""
            select {rule}, {column}, {month} as month, {department} as department_id, count(*)
            from quarantine."{name}" group by all having count(*) > 0 order by all
            """
        ).fetchall()
        for rule, column, period, dept, n in rows:
            i = -1 if period is None else index.get(period)
            if i is None:
                continue  # a record dated outside the reporting window
            out.append([name, redact(rule), redact(column), i, department_shown(site, dept, i), int(n)])
    return merge_rows(out, 5)


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
        "checks": None
        if checks is None
        else [
            [
                redact(c["table"]),
                redact(c["check"]),
                bool(c["passed"]),
                str(c["severity"] or ""),
                timestamp_label(c["checked_at"], site.language) if hasattr(c["checked_at"], "month") else "",
                c["unexpected"],
            ]
            for c in checks
        ],  # fmt: skip
    }
    return payload, notes


def render_quality(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    payload, notes = quality_payload(con, site)
    return dashboard_page(site, "quality", site.text("title_quality"), "quality.html", payload, notes)
