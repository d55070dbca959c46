"""KPI pages, built from the registry, ``marts.scorecard`` and ``marts.kpi_computability``: the overview
(company scorecard) and one page per KPI domain. A KPI added to the registry appears on its domain's page with
no new code. A KPI the data cannot compute (its company exports lack a column it needs) gets no card: the page
lists it under "KPIs not computable on this data" with the columns it needs; a page whose KPIs are all like that
still publishes and says which data it needs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from dashboards.disclosure import SHOWN, published_rows
from dashboards.formatting import is_money
from dashboards.i18n import domain_name, family_name
from dashboards.render import Site, dashboard_page, domain_file
from dashboards.warehouse import (
    ALL,
    TARGETS,
    NotComputable,
    columns_of,
    kpi_computability,
    registry,
    table_exists,
)

OVERVIEW_FILE = Path(__file__).parent / "overview.yaml"
STATUS_CODE = {"green": "g", "amber": "a", "red": "r"}
# Units of KPIs measured per head or as a rate: comparable between a department and the company (the same
# list decides in marts.scorecard which KPIs a department's missing target is taken from the company for).
RATE_UNITS = ("pct", "ratio", "days", "hours", "years")
# Units whose monthly values add up to a year-to-date figure when the KPI is a plain total (its values in
# marts.kpi_values have no denominator); any other KPI's year to date is the average of its months.
FLOW_UNITS = ("money", "idr", "count")
ATTENTION_SHOWN = 5  # department-KPI pairs a "needs attention" strip names; the rest are counted


def off_target(rows: list[dict], codes: set[str] | None = None) -> dict[str, list[dict]]:
    """What is off target in one month, counted once for every page (the overview's and domain pages' "needs
    attention" strip and the monthly review): ``kpis``, the company rows with status red, and ``pairs``, the
    department-KPI pairs with status red whose figure may be shown (``dashboards/disclosure.published_rows``
    rows), worst first. ``codes`` keeps only those KPIs (a domain page's).

    Worst first: by how far the actual is beyond its target in the bad direction, relative to the target's size
    (or to the amber band, or 1, when the target is 0), then by KPI and department."""
    chosen = [
        r for r in rows if r["status"] == "red" and r["mark"] == SHOWN and (codes is None or r["kpi_code"] in codes)
    ]

    def badness(row: dict) -> float:
        gap = (row["actual"] or 0) - (row["target"] or 0)
        if row["direction"] == "higher_is_better":
            gap = -gap
        scale = abs(row["target"] or 0) or abs(row.get("amber_band") or 0) or 1.0
        return gap / scale

    def order(row: dict) -> tuple:
        return (-badness(row), row["kpi_code"], row["department_id"])

    return {
        "kpis": sorted((r for r in chosen if r["department_id"] == ALL), key=order),
        "pairs": sorted((r for r in chosen if r["department_id"] != ALL), key=order),
    }


def attention_payload(con: duckdb.DuckDBPyConnection, site: Site, codes: set[str] | None) -> list[dict]:
    """Per month (index of ``site.periods``): the company KPIs and department-KPI pairs off target
    (``off_target``), as [KPI code] and [KPI code, department], worst first."""
    out: list[dict] = [{"kpis": [], "pairs": []} for _ in site.periods]
    by_period: dict[int, list[dict]] = {}
    for row in published_rows(con, site.periods, site.disclosure):
        by_period.setdefault(row["i"], []).append(row)
    known = {d for d, _ in site.departments}
    for i, rows in by_period.items():
        found = off_target([r for r in rows if r["department_id"] in known], codes)
        out[i] = {
            "kpis": [r["kpi_code"] for r in found["kpis"]],
            "pairs": [[r["kpi_code"], r["department_id"]] for r in found["pairs"]],
        }
    return out


def year_to_date_kinds(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> dict[str, str]:
    """KPI code -> how its year to date is made from its months: ``sum`` for a plain total (a money or count
    KPI whose values have no denominator), ``mean`` for anything else (rates, averages, headcounts)."""
    totals: set[str] = set()
    if table_exists(con, "marts.kpi_values") and "denominator" in columns_of(con, "marts.kpi_values"):
        rows = con.execute(
            "select kpi_code from marts.kpi_values group by kpi_code having bool_and(denominator is null)"
        ).fetchall()
        totals = {r[0] for r in rows}
    return {e["code"]: "sum" if e["unit"] in FLOW_UNITS and e["code"] in totals else "mean" for e in entries}


def target_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """KPI codes of the targets file (canonical.kpi_targets)."""
    if not table_exists(con, TARGETS):
        return set()
    rows = con.execute(f"select distinct kpi_code::varchar from {TARGETS} where kpi_code is not null").fetchall()
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
    notes: dict[str, dict[str, list]] = {e["code"]: {} for e in entries}  # who answers for the target, and why
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
            if row["target_owner"] or row["target_comment"]:
                note = [row["target_owner"] or "", row["target_comment"] or ""]
                notes[code].setdefault(department, [None] * n)[i] = note
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
        "targetNotes": {code: by_dept for code, by_dept in notes.items() if by_dept},
        "directions": directions,
        "marks": {code: by_dept for code, by_dept in marks.items() if by_dept},
        "rateUnits": list(RATE_UNITS),
        "ytd": year_to_date_kinds(con, entries),
    }


def unknown_target_codes(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> list[str]:
    """KPI codes of the targets file that the registry does not know (a typo, or a KPI not built yet)."""
    return sorted(target_codes(con) - {e["code"] for e in entries})


def render_overview(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    entries = registry(con)
    codes = overview_codes(con, entries)
    chosen = sorted((e for e in entries if e["code"] in codes), key=lambda e: codes.index(e["code"]))
    computable, missing = split_computable(con, chosen)
    payload = {
        **kpi_payload(con, site, computable),
        "overview": True,
        "notComputable": len(missing),
        "attention": attention_payload(con, site, None),
        "attentionShown": ATTENTION_SHOWN,
    }
    notes = [] if chosen else [site.text("no_kpis")]
    if computable and not site.periods:
        notes.append(site.text("no_values"))
    unknown = unknown_target_codes(con, entries)
    if unknown:
        notes.append(site.text("targets_unknown", codes=", ".join(unknown)))
    return dashboard_page(
        site,
        "overview",
        site.text("title_overview"),
        "overview.html",
        payload,
        notes,
        unavailable_section(site, missing),
    )


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
    payload = {
        **kpi_payload(con, site, computable),
        "notComputable": len(missing),
        "attention": attention_payload(con, site, {e["code"] for e in computable}),
        "attentionShown": ATTENTION_SHOWN,
    }
    if domain == "finance":
        payload["budget"] = budget_payload(con, site)
    return dashboard_page(site, domain, title, domain_file(domain), payload, notes, unavailable_section(site, missing))


BUDGET_TABLE = "marts.finance_budget_vs_actual"


def budget_payload(con: duckdb.DuckDBPyConnection, site: Site) -> dict | None:
    """Budget against actual per month, department (and the company) and account category, from
    ``marts.finance_budget_vs_actual`` (only categories with a budget that month), as the finance page's tables
    show them: ``categories`` [name, when a variance is favourable] and ``rows`` [category index, department,
    month index, actual, budget], in whole currency units.

    A department-month the disclosure control withholds (a small group, or one withheld beside it) is left out,
    its figures and all (a personnel line is a group's pay); so is the company's figure of a category and month
    where exactly one department with figures is left out, so that it cannot be worked out by subtraction."""
    if not table_exists(con, BUDGET_TABLE):
        return None
    cols = columns_of(con, BUDGET_TABLE)
    if not {"period", "department_id", "account_category", "actual_idr", "budget_idr"} <= set(cols):
        return None
    index = {p: i for i, p in enumerate(site.periods)}
    favourable = "variance_favourable_when" if "variance_favourable_when" in cols else "null"
    sides = dict(
        con.execute(
            f"select account_category, min({favourable})::varchar from {BUDGET_TABLE} "
            "where account_category is not null group by 1 order by 1"
        ).fetchall()
    )
    rows = con.execute(
        f"""
        with budgeted as (
            select period, department_id, account_category, sum(actual_idr)::double as actual,
                   sum(budget_idr)::double as budget
            from {BUDGET_TABLE}
            where budget_idr is not null and department_id is not null and account_category is not null
            group by all
        )
        select period, department_id, account_category, actual, budget from budgeted
        union all
        select period, '{ALL}', account_category, sum(actual), sum(budget) from budgeted group by all
        order by 3, 2, 1
        """
    ).fetchall()
    categories = sorted({r[2] for r in rows})
    position = {c: k for k, c in enumerate(categories)}
    kept: list[list] = []
    withheld: dict[tuple[str, int], int] = {}
    company: dict[tuple[str, int], list] = {}
    for period, department, category, actual, budget in rows:
        i = index.get(period)
        if i is None:
            continue
        row = [position[category], department, i, round(actual or 0), round(budget or 0)]
        if department == ALL:
            company[(category, i)] = row
        elif site.disclosure.department_shown(department, i):
            kept.append(row)
        else:
            withheld[(category, i)] = withheld.get((category, i), 0) + 1
    for key, row in company.items():
        if withheld.get(key, 0) != 1 and site.disclosure.department_shown(ALL, key[1]):
            kept.append(row)
    kept.sort(key=lambda r: (r[0], r[2], r[1] != ALL, r[1]))
    # [category, when a variance is favourable: below_budget (expense), above_budget (revenue), or null]
    return {"categories": [[c, sides.get(c)] for c in categories], "rows": kept}
