"""KPI pages, built from the registry and ``marts.scorecard`` only: the overview (company scorecard) and one
page per KPI domain. A KPI added to the registry appears on its domain's page with no new code."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from dashboards.i18n import domain_name, family_name
from dashboards.render import Site, dashboard_page, domain_file
from dashboards.warehouse import registry, table_exists

OVERVIEW_FILE = Path(__file__).parent / "overview.yaml"
# Group sizes are not private: headcounts (and FTE) of a small group stay visible; every other figure of a
# group below the minimum size is left out of the page (not just hidden) and shown as n<min.
SHOWN_FOR_SMALL_GROUPS = {"employees", "fte"}
STATUS_CODE = {"green": "g", "amber": "a", "red": "r"}
# Units of KPIs measured per head or as a rate: comparable between a department and the company (the same
# list decides in marts.scorecard which KPIs a department's missing target is taken from the company for).
RATE_UNITS = ("pct", "ratio", "days", "hours", "years")


def overview_codes(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> list[str]:
    """Pinned KPIs first, then every KPI with a target, in registry order; only codes in the registry."""
    known = [e["code"] for e in entries]
    pinned = (yaml.safe_load(OVERVIEW_FILE.read_text(encoding="utf-8")) or {}).get("pinned") or []
    targeted: set[str] = set()
    if table_exists(con, "marts.scorecard"):
        targeted = {
            r[0]
            for r in con.execute("select distinct kpi_code from marts.scorecard where target is not null").fetchall()
        }
    ordered = [c for c in pinned if c in known]
    return ordered + [c for c in known if c in targeted and c not in ordered]


def _round(value: float | None, unit: str) -> float | int | None:
    if value is None:
        return None
    return round(value) if unit == "idr" else round(value, 4)


def kpi_payload(con: duckdb.DuckDBPyConnection, site: Site, entries: list[dict]) -> dict:
    """Values, targets and statuses per KPI and department as arrays over the months (compact; no rows)."""
    n = len(site.periods)
    index = {p: i for i, p in enumerate(site.periods)}
    units = {e["code"]: e["unit"] for e in entries}
    values: dict[str, dict[str, list]] = {e["code"]: {} for e in entries}
    targets: dict[str, dict[str, list]] = {e["code"]: {} for e in entries}
    status: dict[str, dict[str, list[str]]] = {e["code"]: {} for e in entries}
    scopes: dict[str, dict[str, str]] = {e["code"]: {} for e in entries}
    directions: dict[str, dict[str, str]] = {e["code"]: {} for e in entries}
    if entries and table_exists(con, "marts.scorecard"):
        placeholders = ", ".join("?" * len(entries))
        rows = con.execute(
            f"""
            select kpi_code, department_id, period, actual, target, status, target_scope, is_small_group, direction
            from marts.scorecard where kpi_code in ({placeholders})
            """,
            list(units),
        ).fetchall()
        registered = {e["code"]: e["direction"] for e in entries}
        for code, department, period, actual, target, state, scope, is_small, direction in rows:
            i = index.get(period)
            if i is None:
                continue
            unit = units[code]
            suppressed = bool(is_small) and unit not in SHOWN_FOR_SMALL_GROUPS
            values[code].setdefault(department, [None] * n)[i] = None if suppressed else _round(actual, unit)
            if target is not None:
                targets[code].setdefault(department, [None] * n)[i] = _round(target, unit)
                if scope == "company":
                    scopes[code][department] = "company"
                if direction != registered[code]:  # an agreed target says which way is good
                    directions[code][department] = direction
            if state and not suppressed:
                status[code].setdefault(department, ["-"] * n)[i] = STATUS_CODE[state]
    return {
        "kind": "kpi",
        "kpis": [
            {
                "code": e["code"],
                "name": e["name_id"] if site.language == "id" and e.get("name_id") else e["name"],
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
        "rateUnits": list(RATE_UNITS),
        "shownForSmall": sorted(SHOWN_FOR_SMALL_GROUPS),
    }


def unknown_target_codes(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> list[str]:
    """KPI codes of the targets file that the registry does not know (a typo, or a KPI not built yet)."""
    if not table_exists(con, "staging.stg_performance__kpi_targets"):
        return []
    codes = {r[0] for r in con.execute("select distinct kpi_code from staging.stg_performance__kpi_targets").fetchall()}
    return sorted(codes - {e["code"] for e in entries})


def render_overview(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    entries = registry(con)
    codes = overview_codes(con, entries)
    chosen = sorted((e for e in entries if e["code"] in codes), key=lambda e: codes.index(e["code"]))
    payload = {**kpi_payload(con, site, chosen), "overview": True}
    notes = [] if chosen else [site.text("no_kpis")]
    unknown = unknown_target_codes(con, entries)
    if unknown:
        notes.append(site.text("targets_unknown", codes=", ".join(unknown)))
    return dashboard_page(site, "overview", site.text("title_overview"), "overview.html", payload, notes)


def render_domain(con: duckdb.DuckDBPyConnection, site: Site, domain: str) -> Path:
    entries = [e for e in registry(con) if e["domain"] == domain]
    families = list(dict.fromkeys(e["model"] for e in entries))  # cards come in families, in registry order
    entries.sort(key=lambda e: families.index(e["model"]))
    key = f"title_{domain}"
    title = (
        site.labels[key] if key in site.labels else site.text("title_domain", domain=domain_name(domain, site.language))
    )
    notes = [] if entries else [site.text("no_kpis")]
    return dashboard_page(site, domain, title, domain_file(domain), kpi_payload(con, site, entries), notes)
