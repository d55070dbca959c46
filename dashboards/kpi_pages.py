"""KPI pages, built from the registry, ``marts.scorecard`` and ``marts.kpi_computability``: the overview
(company scorecard) and one page per KPI domain. A KPI added to the registry appears on its domain's page with
no new code. A KPI the data cannot compute (its company exports lack a column it needs) gets no card: the page
lists it under "KPIs not computable on this data" with the columns it needs; a page whose KPIs are all like that
still publishes and says which data it needs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from dashboards.disclosure import published_rows
from dashboards.formatting import is_money
from dashboards.i18n import domain_name, family_name
from dashboards.render import Site, dashboard_page, domain_file
from dashboards.warehouse import (
    TARGET_TABLES,
    NotComputable,
    columns_of,
    first_table,
    kpi_computability,
    registry,
    table_exists,
)

OVERVIEW_FILE = Path(__file__).parent / "overview.yaml"
STATUS_CODE = {"green": "g", "amber": "a", "red": "r"}
# Units of KPIs measured per head or as a rate: comparable between a department and the company (the same
# list decides in marts.scorecard which KPIs a department's missing target is taken from the company for).
RATE_UNITS = ("pct", "ratio", "days", "hours", "years")


def target_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """KPI codes of the targets file (canonical.kpi_targets; the demo's staging table in older warehouses)."""
    table = first_table(con, *TARGET_TABLES)
    if table is None or "kpi_code" not in columns_of(con, table):
        return set()
    rows = con.execute(f"select distinct kpi_code::varchar from {table} where kpi_code is not null").fetchall()
    return {r[0] for r in rows}


def overview_codes(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> list[str]:
    """Pinned KPIs first, then every KPI with a target, in registry order; only codes in the registry. A KPI
    the data cannot compute has no scorecard row: its agreed target still puts it on the overview."""
    known = [e["code"] for e in entries]
    pinned = (yaml.safe_load(OVERVIEW_FILE.read_text(encoding="utf-8")) or {}).get("pinned") or []
    targeted: set[str] = set()
    if table_exists(con, "marts.scorecard"):
        targeted = {
            r[0]
            for r in con.execute("select distinct kpi_code from marts.scorecard where target is not null").fetchall()
        }
    missing = kpi_computability(con)
    if missing:
        targeted |= target_codes(con) & set(missing)
    ordered = [c for c in pinned if c in known]
    return ordered + [c for c in known if c in targeted and c not in ordered]


def kpi_name(entry: dict, language: str) -> str:
    return (entry.get("name_id") if language == "id" else None) or entry.get("name") or entry["code"]


def split_computable(
    con: duckdb.DuckDBPyConnection, entries: list[dict]
) -> tuple[list[dict], list[tuple[dict, NotComputable]]]:
    """The entries the data can compute, and the others with what they need (order kept)."""
    missing = kpi_computability(con)
    computable = [e for e in entries if e["code"] not in missing]
    return computable, [(e, missing[e["code"]]) for e in entries if e["code"] in missing]


def unavailable_section(site: Site, missing: list[tuple[dict, NotComputable]]) -> tuple[str, list[dict]]:
    items = site.not_computable_items([(kpi_name(e, site.language), nc) for e, nc in missing])
    return site.text("kpis_not_computable"), items


def _round(value: float | None, unit: str) -> float | int | None:
    """Money in whole units of the reporting currency (as the page shows it), anything else to 4 decimals."""
    if value is None:
        return None
    return round(value) if is_money(unit) else round(value, 4)


def kpi_payload(con: duckdb.DuckDBPyConnection, site: Site, entries: list[dict]) -> dict:
    """Values, targets and statuses per KPI and department as arrays over the months (compact; no rows), from the
    figures the disclosure control lets the pages show (``dashboards/disclosure.published_rows``): a withheld
    figure is not in the page at all, and ``marks`` says why (1 small group, 2 withheld)."""
    n = len(site.periods)
    units = {e["code"]: e["unit"] for e in entries}
    values: dict[str, dict[str, list]] = {e["code"]: {} for e in entries}
    targets: dict[str, dict[str, list]] = {e["code"]: {} for e in entries}
    status: dict[str, dict[str, list[str]]] = {e["code"]: {} for e in entries}
    scopes: dict[str, dict[str, str]] = {e["code"]: {} for e in entries}
    directions: dict[str, dict[str, str]] = {e["code"]: {} for e in entries}
    known = {d for d, _ in site.departments}
    registered = {e["code"]: e["direction"] for e in entries}
    for row in published_rows(con, site.periods, site.disclosure, list(units)):
        code, department, i = row["kpi_code"], row["department_id"], row["i"]
        if department not in known:
            continue
        unit = units[code]
        values[code].setdefault(department, [None] * n)[i] = _round(row["actual"], unit)
        if row["target"] is not None:
            targets[code].setdefault(department, [None] * n)[i] = _round(row["target"], unit)
            if row["target_scope"] == "company":
                scopes[code][department] = "company"
            if row["direction"] and row["direction"] != registered[code]:  # an agreed target says which way is good
                directions[code][department] = row["direction"]
        if row["status"] in STATUS_CODE:
            status[code].setdefault(department, ["-"] * n)[i] = STATUS_CODE[row["status"]]
    marks = {code: site.disclosure.kpi_marks(code, sorted(known)) for code in units}
    return {
        "kind": "kpi",
        "kpis": [
            {
                "code": e["code"],
                "name": kpi_name(e, site.language),
                "definition": e.get("definition") or "",
                "formula": e.get("formula") or "",
                "unit": e["unit"],
                "direction": e["direction"],
                "domain": e["domain"],
                "domainName": domain_name(e["domain"], site.language),
                "group": family_name(e.get("model") or "", site.language),
                "href": domain_file(e["domain"]),
            }
            for e in entries
        ],
        "values": values,
        "targets": targets,
        "status": {c: {d: "".join(s) for d, s in by_dept.items()} for c, by_dept in status.items()},
        "scopes": scopes,
        "directions": directions,
        "marks": {code: by_dept for code, by_dept in marks.items() if by_dept},
        "rateUnits": list(RATE_UNITS),
    }


def unknown_target_codes(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> list[str]:
    """KPI codes of the targets file that the registry does not know (a typo, or a KPI not built yet)."""
    return sorted(target_codes(con) - {e["code"] for e in entries})


def render_overview(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    entries = registry(con)
    codes = overview_codes(con, entries)
    chosen = sorted((e for e in entries if e["code"] in codes), key=lambda e: codes.index(e["code"]))
    computable, missing = split_computable(con, chosen)
    payload = {**kpi_payload(con, site, computable), "overview": True, "notComputable": len(missing)}
    notes = [] if chosen else [site.text("no_kpis")]
    if computable and not site.periods:
        notes.append(site.text("no_values"))
    unknown = unknown_target_codes(con, entries)
    if unknown:
        notes.append(site.text("targets_unknown", codes=", ".join(unknown)))
    return dashboard_page(
        site, "overview", site.text("title_overview"), "overview.html", payload, notes,
        unavailable_section(site, missing),
    )  # fmt: skip


def render_domain(con: duckdb.DuckDBPyConnection, site: Site, domain: str) -> Path:
    entries = [e for e in registry(con) if e["domain"] == domain]
    families = list(dict.fromkeys(e.get("model") or "" for e in entries))  # cards come in families, in order
    entries.sort(key=lambda e: families.index(e.get("model") or ""))
    computable, missing = split_computable(con, entries)
    key = f"title_{domain}"
    title = (
        site.labels[key] if key in site.labels else site.text("title_domain", domain=domain_name(domain, site.language))
    )
    notes = [] if entries else [site.text("no_kpis")]
    if entries and not computable:  # nothing to show: say what data the area needs
        key = "domain_not_computable" if len(entries) > 1 else "domain_not_computable_one"
        notes.append(site.text(key, n=len(entries)))
        needed = tuple(dict.fromkeys(column for _, nc in missing for column in nc.missing))
        if needed:
            notes.append(site.text("domain_needs", columns=site.columns_text(needed)))
    if computable and not site.periods:
        notes.append(site.text("no_values"))
    payload = {**kpi_payload(con, site, computable), "notComputable": len(missing)}
    return dashboard_page(site, domain, title, domain_file(domain), payload, notes, unavailable_section(site, missing))
