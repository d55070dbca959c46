"""Monthly review pages, one per month, for the monthly performance meeting: the company scorecard, what
moved since the previous month, open findings and data quality. Rendered on the server (no script needed),
with a print stylesheet; ``review.html`` lists the months. A scorecard KPI the data cannot compute keeps its
line, saying which columns it needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from markupsafe import Markup

from assets.metadata import redact
from dashboards import formatting
from dashboards.disclosure import SHOWN, published_rows
from dashboards.findings import FINDINGS_TABLES, findings_for_month
from dashboards.kpi_pages import kpi_name as registry_name
from dashboards.kpi_pages import off_target, overview_codes
from dashboards.render import Site, header_context, write_page
from dashboards.warehouse import ALL, kpi_computability, registry, table_exists

BIGGEST_MOVES = 5
MAX_RED_DEPARTMENTS = 15
STATUS_KEYS = {"green": ("g", "status_green"), "amber": ("a", "status_amber"), "red": ("r", "status_red")}


def review_file(period: dt.date) -> str:
    return f"review-{period:%Y-%m}.html"


def spark_svg(values: list[float | None], target: float | None) -> Markup:
    """A 12-month sparkline as inline SVG, built from numbers only."""
    w, h, pad = 110, 24, 2
    known = [v for v in values if v is not None]
    if not known:
        return Markup("")
    span_values = known + ([target] if target is not None else [])
    lo, hi = min(span_values), max(span_values)
    span = (hi - lo) or 1

    def x(i: int) -> float:
        return pad + (0 if len(values) == 1 else i / (len(values) - 1) * (w - 2 * pad))

    def y(v: float) -> float:
        return h - pad - (v - lo) / span * (h - 2 * pad)

    parts, pen = [], False
    for i, v in enumerate(values):
        if v is None:
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{x(i):.1f} {y(v):.1f}")
        pen = True
    target_line = (
        f'<line class="spark-target" x1="{pad}" x2="{w - pad}" y1="{y(target):.1f}" y2="{y(target):.1f}"/>'
        if target is not None
        else ""
    )
    return Markup(
        f'<svg class="spark" viewBox="0 0 {w} {h}" aria-hidden="true">{target_line}'
        f'<path class="spark-line" d="{" ".join(parts)}"/></svg>'
    )


def _status(site: Site, status: str | None) -> dict:
    code, key = STATUS_KEYS.get(status, ("-", "status_none"))
    return {"code": code, "text": site.text(key)}


def _target_text(row: dict, site: Site) -> str:
    if row["target"] is None:
        return "–"
    sign = {"lower_is_better": "≤ ", "higher_is_better": "≥ "}.get(row["direction"], "")
    return sign + site.value(row["target"], row["unit"])


def _change(row: dict, site: Site) -> dict:
    if row["change"] is None:
        return {"text": "–", "class": ""}
    # a change that is zero as written (at the unit's decimals) is neither better nor worse
    favourable = None if formatting.is_unchanged(row["change"], row["unit"]) else row["is_change_favourable"]
    return {
        "text": site.change(row["change"], row["unit"]),
        "class": "" if favourable is None else "better" if favourable else "worse",
        "word": "" if favourable is None else site.text("favourable" if favourable else "unfavourable"),
    }


def _target_note(row: dict, site: Site) -> str:
    """Who answers for the target and why it is set there, as the targets file says (empty when it says nothing)."""
    owner = f"{site.labels['target_owner']}: {row['target_owner']}" if row.get("target_owner") else ""
    return " · ".join(part for part in (owner, row.get("target_comment") or "") if part)


def review_context(con: duckdb.DuckDBPyConnection, site: Site, period: dt.date, rows: list[dict] | None = None) -> dict:
    """What the review of ``period`` shows, from the scorecard rows of that month as the disclosure control lets
    pages show them (``dashboards/disclosure.published_rows``; read here unless given)."""
    entries = {e["code"]: e for e in registry(con)}
    codes = overview_codes(con, list(entries.values()))
    missing = kpi_computability(con)
    if rows is None:
        rows = published_rows(con, site.periods, site.disclosure, period=period)
    company = {r["kpi_code"]: r for r in rows if r["department_id"] == ALL}
    departments = dict(site.departments)

    def kpi_name(code: str) -> str:
        return registry_name(entries.get(code, {"code": code}), site.language)

    scorecard = []
    for code in codes:
        if code in missing:
            scorecard.append(
                {
                    "name": kpi_name(code),
                    "not_computable": site.needs(missing[code]),
                    "reason": redact(missing[code].reason),
                    "status": {"code": "nc", "text": ""},
                }
            )
            continue
        row = company.get(code)
        if row is None:
            continue
        scorecard.append(
            {
                "name": kpi_name(code),
                "actual": site.value(row["actual"], row["unit"])
                if row["mark"] == SHOWN
                else site.hidden_text(row["mark"], row["unit"]),
                "hidden": None if row["mark"] == SHOWN else site.hidden_title(row["mark"]),
                "target": _target_text(row, site),
                "target_note": _target_note(row, site),
                "status": _status(site, row["status"]),
                "previous": site.value(row["previous"], row["unit"]),
                "change": _change(row, site),
                "spark": spark_svg(list(row["trend"] or []), row["target"]),
            }
        )
    status_changes = [
        {
            "name": kpi_name(r["kpi_code"]),
            "before": _status(site, r["status_previous"]),
            "after": _status(site, r["status"]),
            "actual": site.value(r["actual"], r["unit"]),
        }
        for r in sorted(company.values(), key=lambda r: (kpi_name(r["kpi_code"]), r["kpi_code"]))
        if r["status"] and r["status_previous"] and r["status"] != r["status_previous"]
    ]
    moved = sorted(
        (r for r in company.values() if r["change_pct"] is not None and r["change"]),
        key=lambda r: (-abs(r["change_pct"]), r["kpi_code"]),
    )[:BIGGEST_MOVES]
    biggest = [
        {
            "name": kpi_name(r["kpi_code"]),
            "change": _change(r, site),
            "from": site.value(r["previous"], r["unit"]),
            "to": site.value(r["actual"], r["unit"]),
            "pct": formatting.number(r["change_pct"], 1, site.language) + "%",
        }
        for r in moved
    ]
    # department-KPI pairs off target, worst first: the same count as the other pages' "needs attention" strip
    red = off_target(rows)["pairs"]
    red_departments = [
        {
            "name": kpi_name(r["kpi_code"]),
            "department": departments.get(r["department_id"], r["department_id"]),
            "actual": site.value(r["actual"], r["unit"]),
            "target": _target_text(r, site),
        }
        for r in red[:MAX_RED_DEPARTMENTS]
    ]
    i = site.periods.index(period)
    # a company under the minimum group size: its findings are a small group's too
    company_shown = site.disclosure.department_shown(ALL, i)
    findings = findings_for_month(con, period, site.language) if company_shown else None
    badge = site.badge
    previous = site.periods[i - 1] if i > 0 else None
    return {
        "period_name": site.month(period),
        "previous_name": site.month(previous) if previous else "–",
        "scorecard": scorecard,
        "status_changes": status_changes,
        "biggest": biggest,
        "red_departments": red_departments,
        "red_more": max(0, len(red) - MAX_RED_DEPARTMENTS),
        "findings": None
        if findings is None
        else [(site.text(f"source_{key}"), items) for key, items in findings.items()],
        "findings_missing": [t for _, t in FINDINGS_TABLES if not table_exists(con, t)],
        "findings_withheld": None if company_shown else site.hidden_title(site.disclosure.department_mark(ALL, i)),
        "money": site.money,
        "count": lambda v: formatting.number(v, 0, site.language),
        "quality": {
            "failed": badge.failed_files,
            "quarantined": badge.quarantined_rows,
            "checks": badge.failing_checks,
        },
    }


def render_reviews(con: duckdb.DuckDBPyConnection, site: Site) -> list[Path]:
    """One page per month with KPI values, and the index ``review.html``."""
    written = []
    index_items = []
    if table_exists(con, "marts.scorecard"):
        by_period: dict[dt.date, list[dict]] = {p: [] for p in site.periods}
        for row in published_rows(con, site.periods, site.disclosure):
            by_period[row["period"]].append(row)
        for period in site.periods:
            context = header_context(site, "review", f"{site.text('title_review')} · {site.month(period)}")
            context.update(review_context(con, site, period, by_period[period]))
            written.append(write_page(site, "review.html", review_file(period), context))
            counts = {"g": 0, "a": 0, "r": 0}
            for item in context["scorecard"]:
                if item["status"]["code"] in counts:
                    counts[item["status"]["code"]] += 1
            index_items.append({"href": review_file(period), "name": site.month(period), "counts": counts})
    context = header_context(site, "review", site.text("title_review_index"))
    context.update(items=list(reversed(index_items)), no_kpis=site.text("no_kpis"))
    written.append(write_page(site, "review_index.html", "review.html", context))
    return written
