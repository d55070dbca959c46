"""``definitions.html``: what every KPI and every control rule means, on one page the other pages link to.

Each KPI (``assets/kpi/registry/*.yaml``) has an anchor ``#kpi-<code>``: its definition, formula, unit and
direction, the canonical columns it needs (the needs of its SQL model and its registry entry), its owner (the
team that owns the KPI assets), where its target comes from (the rows of ``canonical.kpi_targets`` and their
sources, with the owner and comment a target row carries), whether the loaded data can compute it, and the latest
results of the checks on the tables it is read from. Each rule (``assets/controls/registry.yaml``) has an anchor
``#rule-<code>``: its name, kind, severity, description, inputs, thresholds and source. Written on the server
from the registries and the warehouse; everything is escaped (Jinja2 autoescape)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from assets.controls.registry import load_registry as control_rules
from assets.kpi.assets import OWNERS as KPI_OWNERS
from assets.kpi.assets import kpi_needs
from assets.kpi.registry import load_registry as kpi_registry
from assets.metadata import redact
from dashboards.i18n import domain_name, severity_name, timestamp_label
from dashboards.render import Site, header_context, write_page
from dashboards.warehouse import TARGETS, kpi_computability, latest_check_results, table_exists

PAGE = "definitions.html"


def kpi_anchor(code: str) -> str:
    return f"kpi-{code}"


def target_sources(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """KPI code -> {n, sources, notes}: how many target rows the targets table has, from which contracts, and
    the owner and comment those rows carry."""
    if not table_exists(con, TARGETS):
        return {}
    rows = con.execute(
        f"select kpi_code::varchar, _source_contract::varchar, department_id::varchar, owner::varchar, "
        f"comment::varchar from {TARGETS} where kpi_code is not null order by 1, 3, 2"
    ).fetchall()
    out: dict[str, dict] = {}
    for code, contract, department, row_owner, row_comment in rows:
        entry = out.setdefault(code, {"n": 0, "sources": [], "notes": []})
        entry["n"] += 1
        if contract and contract not in entry["sources"]:
            entry["sources"].append(contract)
        note = " · ".join(x for x in (row_owner, row_comment) if x)
        if note and (department, note) not in entry["notes"]:
            entry["notes"].append((department, note))
    return {"table": TARGETS, **out} if out else {}


def kpi_checks(checks: list[dict] | None, tables: list[str]) -> list[dict]:
    """The latest check results of ``tables`` (warehouse names ``schema.table``), per table: passed of total."""
    if not checks:
        return []
    out = []
    for table in tables:
        mine = [c for c in checks if str(c["table"] or "").replace("/", ".").endswith(table)]
        if mine:
            moments = [c["checked_at"] for c in mine if c["checked_at"] is not None]
            out.append(
                {
                    "table": table,
                    "passed": sum(1 for c in mine if c["passed"]),
                    "total": len(mine),
                    "failed": [c["check"] for c in mine if not c["passed"]],
                    "checked_at": max(moments) if moments else None,
                }
            )
    return out


def kpi_items(con: duckdb.DuckDBPyConnection, site: Site) -> list[dict]:
    needs = kpi_needs()
    missing = kpi_computability(con)
    targets = target_sources(con)
    checks = latest_check_results(con)
    items = []
    for entry in kpi_registry():
        target = targets.get(entry.code)
        if target:
            source = site.text(
                "target_source_file", n=target["n"], table=targets["table"], sources=", ".join(target["sources"]) or "–"
            )
        else:
            source = site.text("target_source_none")
        found = kpi_checks(checks, [f"marts.{entry.model}", "marts.kpi_values", "marts.scorecard"])
        items.append(
            {
                "code": entry.code,
                "anchor": kpi_anchor(entry.code),
                "name": entry.name_id if site.language == "id" and entry.name_id else entry.name,
                "domain": domain_name(entry.domain, site.language),
                "definition": entry.definition,
                "formula": entry.formula,
                "unit": entry.unit,
                "direction": site.text(f"direction_{entry.direction}"),
                "needs": site.columns_text(tuple(needs.get(entry.code, ()))) or "–",
                "owner": ", ".join(KPI_OWNERS),
                "target": source,
                "target_notes": [f"{department}: {note}" for department, note in (target or {}).get("notes", [])],
                "computable": site.needs(missing[entry.code]) if entry.code in missing else site.text("computable"),
                "source": entry.source,
                "checks": [
                    site.text(
                        "checks_summary",
                        passed=c["passed"],
                        total=c["total"],
                        table=c["table"],
                        checked_at=timestamp_label(c["checked_at"], site.language) if c["checked_at"] else "–",
                    )
                    + (f" ({', '.join(c['failed'])})" if c["failed"] else "")
                    for c in found
                ],
            }
        )
    return items


def rule_items(site: Site) -> list[dict]:
    items = []
    for rule in control_rules():
        parameters = [f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in rule.parameters.items()]
        items.append(
            {
                "code": rule.code,
                "anchor": f"rule-{rule.code}",
                "name": rule.name_id if site.language == "id" and rule.name_id else rule.name,
                "kind": site.text(f"kind_{rule.kind}"),
                "severity": rule.severity,
                "severity_text": severity_name(rule.severity, site.language),
                "entity": rule.entity,
                "description": rule.description,
                "inputs": ", ".join(rule.inputs),
                "parameters": parameters,
                "reference": ", ".join(rule.reference),
                "source": rule.source,
            }
        )
    return items


def render_definitions(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    context = header_context(site, "definitions", site.text("title_definitions"))
    kpis = kpi_items(con, site)
    for item in kpis:  # free text from files and the warehouse: long digit runs never reach a page
        item["target_notes"] = [redact(n) for n in item["target_notes"]]
    context.update(kpis=kpis, rules=rule_items(site))
    return write_page(site, "definitions.html", PAGE, context)
