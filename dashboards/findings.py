"""The controls-and-compliance page: findings of ``marts.control_findings`` and ``marts.compliance_findings``
counted per rule, severity, month and department (aggregates only; the findings themselves stay in the
warehouse for the staff who review them). A table not built yet gets an honest "not available yet"; the rules
the data cannot compute (``marts.rule_computability``) are listed under "Rules not computable on this data" with
the columns they need."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dashboards.disclosure import WITHHELD_DEPARTMENT
from dashboards.formatting import redact
from dashboards.render import Site, dashboard_page
from dashboards.warehouse import columns_of, pick, rule_computability, table_exists

FINDINGS_TABLES = (("control", "marts.control_findings"), ("compliance", "marts.compliance_findings"))
HIGH_SEVERITIES = ("critical", "high", "error")
# later issues name their columns their own way: the first of these a table has is the rule it broke
RULE_COLUMNS = ("control_code", "rule_code", "finding_code", "finding_type", "check_code", "code", "control", "rule")


def _period_expr(column: str) -> str:
    text = f"{column}::varchar"
    return f"coalesce(try_cast({text} as date), try_strptime({text}, '%Y-%m')::date)"


def findings_summary(con: duckdb.DuckDBPyConnection, table: str) -> dict | None:
    """Counts and amounts per rule, severity, month and department, read whatever the columns are named."""
    cols = columns_of(con, table)
    rule = pick(cols, *RULE_COLUMNS)
    if rule is None:
        return None
    severity = pick(cols, "severity", "level", "priority")
    period = pick(cols, "period", "period_month", "month")
    department = pick(cols, "department_id")
    amount = pick(cols, "amount_at_risk_idr", "amount_idr", "amount_at_risk", "amount")
    name = pick(cols, "control_name", "rule_name", "title")
    rows = con.execute(
        f"""
        select
            {rule}::varchar as rule,
            {f"coalesce(lower({severity}::varchar), '')" if severity else "''"} as severity,
            {_period_expr(period) if period else "null::date"} as period,
            {f"{department}::varchar" if department else "null"} as department_id,
            count(*) as n_findings,
            {f"sum(try_cast({amount} as double))" if amount else "null::double"} as amount,
            {f"min({name}::varchar)" if name else "null"} as rule_name
        from {table}
        group by all
        order by all
        """
    ).fetchall()
    return {"rows": rows, "has_department": department is not None, "has_period": period is not None,
            "has_amount": amount is not None}  # fmt: skip


def data_findings_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Marts of source rows that loaded but cannot be trusted as they are (``marts.<domain>_data_findings``)."""
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' and suffix(table_name, '_data_findings') "
        "order by 1"
    ).fetchall()
    return [f"marts.{r[0]}" for r in rows]


def department_shown(site: Site, department: str | None, i: int) -> str:
    """The department a findings row may carry: its own, or ``WITHHELD_DEPARTMENT`` when the disclosure control
    withholds that department's figures in the row's month (any month for an undated row); the company total
    still counts the row."""
    if not department:
        return ""
    if i >= 0 and site.disclosure.department_shown(department, i):
        return department
    if i < 0 and not site.disclosure.withheld_anywhere(department):
        return department
    return WITHHELD_DEPARTMENT


def merge_rows(rows: list[list], key_size: int) -> list[list]:
    """Rows with the same first ``key_size`` cells added up (counts, and amounts where any is known), sorted."""
    merged: dict[tuple, list] = {}
    for row in rows:
        key = tuple(row[:key_size])
        if key not in merged:
            merged[key] = list(row)
            continue
        into = merged[key]
        for k in range(key_size, len(row)):
            if row[k] is not None:
                into[k] = row[k] if into[k] is None else into[k] + row[k]
    return [merged[k] for k in sorted(merged, key=lambda k: tuple((v is None, str(v)) for v in k))]


def findings_rows(
    con: duckdb.DuckDBPyConnection, site: Site, tables: list[tuple[str, str]]
) -> tuple[list[dict], list[list], dict[str, str], list[str]]:
    """Per (label, table): the source description, and rows [source, rule, severity, month, department, n, amount]."""
    index = {p: i for i, p in enumerate(site.periods)}
    sources, rows, names, notes = [], [], {}, []
    for label, table in tables:
        summary = findings_summary(con, table) if table_exists(con, table) else None
        sources.append({
            "label": label, "table": table, "available": summary is not None,
            "hasDepartment": bool(summary and summary["has_department"]),
            "hasPeriod": bool(summary and summary["has_period"]), "hasAmount": bool(summary and summary["has_amount"]),
        })  # fmt: skip
        if summary is None:
            notes.append(site.text("not_available", table=table))
            continue
        for rule, severity, period, department, n, amount, name in summary["rows"]:
            i = index.get(period) if isinstance(period, dt.date) else -1
            if i is None:
                continue  # outside the reporting window
            rows.append([len(sources) - 1, redact(rule), severity, i, department_shown(site, department, i), int(n),
                         None if amount is None else round(amount)])  # fmt: skip
            if name:
                names[redact(rule)] = redact(name)
    return sources, merge_rows(rows, 5), names, notes


def findings_payload(con: duckdb.DuckDBPyConnection, site: Site) -> tuple[dict, list[str]]:
    tables = [(site.text(f"source_{key}"), table) for key, table in FINDINGS_TABLES]
    sources, rows, names, notes = findings_rows(con, site, tables)
    available = [s["table"] for s in sources if s["available"]]
    if available:
        notes.append(site.text("details_in_warehouse", tables=", ".join(available)))
    payload = {"kind": "findings", "sources": sources, "rows": rows, "ruleNames": names,
               "highSeverities": list(HIGH_SEVERITIES)}  # fmt: skip
    return payload, notes


def rule_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Rule code -> name, from ``marts.control_registry`` when the warehouse has it."""
    if not table_exists(con, "marts.control_registry"):
        return {}
    cols = columns_of(con, "marts.control_registry")
    if "code" not in cols or "name" not in cols:
        return {}
    rows = con.execute("select code::varchar, name::varchar from marts.control_registry order by 1, 2").fetchall()
    return {code: name for code, name in rows if code and name}


def render_controls(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    payload, notes = findings_payload(con, site)
    names = rule_names(con)
    missing = rule_computability(con)
    items = site.not_computable_items([(redact(names.get(code) or code), nc) for code, nc in missing.items()])
    return dashboard_page(
        site, "controls", site.text("title_controls"), "controls.html", payload, notes,
        (site.text("rules_not_computable"), items),
    )  # fmt: skip


def findings_for_month(con: duckdb.DuckDBPyConnection, period: dt.date) -> dict[str, list[tuple]] | None:
    """For the monthly review: (rule, severity, n, amount) per source for one month; None when no table exists."""
    found: dict[str, list[tuple]] = {}
    for key, table in FINDINGS_TABLES:
        if not table_exists(con, table):
            continue
        summary = findings_summary(con, table)
        if summary is None:
            continue
        totals: dict[tuple[str, str], list] = {}
        for rule, severity, month, _department, n, amount, _name in summary["rows"]:
            if summary["has_period"] and month != period:
                continue
            entry = totals.setdefault((redact(rule), severity), [0, None])
            entry[0] += n
            if amount is not None:
                entry[1] = (entry[1] or 0) + amount
        found[key] = sorted(((r, s, n, a) for (r, s), (n, a) in totals.items()), key=lambda x: (-x[2], x[0]))
    return found or None
