"""Dashboard assets: one asset per page under the ``reports`` prefix, rendered inside the nightly run from the
marts and published under data/reports with one shared local plotly.js (no request leaves the machine).

Pages: overview (company scorecard), one per KPI domain (hr, payroll, finance and any other domain in the KPI
registry), controls and compliance, data quality, and the monthly reviews. Anything served reads these
published files; no page holds the warehouse open."""

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.ingest.assets import contract_paths, staging_key
from assets.kpi.assets import KPI_VALUES
from assets.kpi.registry import load_registry
from dashboards.findings import FINDINGS_TABLES, render_controls
from dashboards.kpi_pages import render_domain, render_overview
from dashboards.quality import render_quality
from dashboards.render import Site, domain_file, load_site, page_domains
from dashboards.review import render_reviews
from pipelines.settings import get_settings

OWNERS = ["team:performance"]
SCORECARD = dg.AssetKey(["marts", "scorecard"])
DEPARTMENTS = dg.AssetKey(["canonical", "departments"])
TARGETS = dg.AssetKey(["canonical", "kpi_targets"])
# Read when the warehouse has them (a page without them says every KPI and rule is computable).
KPI_COMPUTABILITY = dg.AssetKey(["marts", "kpi_computability"])
RULE_COMPUTABILITY = dg.AssetKey(["marts", "rule_computability"])
CONTROL_REGISTRY = dg.AssetKey(["marts", "control_registry"])


def defined_asset_keys() -> set[dg.AssetKey]:
    """Asset keys that the ``assets`` package defines (so a page can wait for tables later issues add)."""
    keys: set[dg.AssetKey] = set()
    package = importlib.import_module("assets")
    for info in pkgutil.walk_packages(package.__path__, "assets."):
        defs = getattr(importlib.import_module(info.name), "defs", None)
        if isinstance(defs, dg.Definitions):
            for item in defs.assets or []:
                keys |= set(getattr(item, "keys", None) or {item.key})
    return keys


def defined(*keys: dg.AssetKey) -> list[dg.AssetKey]:
    """Those of ``keys`` that an asset of the ``assets`` package defines."""
    known = defined_asset_keys()
    return [k for k in keys if k in known]


def findings_keys() -> list[dg.AssetKey]:
    wanted = {tuple(t.split(".")) for _, t in FINDINGS_TABLES}
    return sorted((k for k in defined_asset_keys() if tuple(k.path) in wanted), key=lambda k: k.path)


def staged_keys() -> list[dg.AssetKey]:
    """Every staging table: loading them writes meta.load_manifest and quarantine.*, which every page's
    freshness line and quality badge read."""
    return [staging_key(p) for p in contract_paths()]


def quality_keys() -> list[dg.AssetKey]:
    staged = staged_keys()
    summaries = [
        k
        for k in defined_asset_keys()
        if k.path[0] == "marts" and ("quality" in k.path[-1] or k.path[-1].endswith("_data_findings"))
    ]
    return sorted(set(staged) | set(summaries), key=lambda k: k.path)


def _page_asset(
    name: str,
    description: str,
    deps: list[dg.AssetKey],
    render: Callable[[duckdb.DuckDBPyConnection, Site], list[Path]],
):
    @dg.asset(
        key=dg.AssetKey(["reports", name]),
        deps=deps,
        group_name="dashboards",
        kinds={"plotly", "html"},
        owners=OWNERS,
        description=description,
    )
    def _page(duckdb: DuckDBResource) -> dg.MaterializeResult:
        settings = get_settings()
        with duckdb.get_connection() as con:
            site = load_site(con, settings, page_domains([e.domain for e in load_registry()]), dt.datetime.now())
            pages = render(con, site)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(pages[0])),
                "pages": [p.name for p in pages],
                "size_bytes": sum(p.stat().st_size for p in pages),
                "rendered_at": site.now.isoformat(timespec="seconds"),
            }
        )

    return _page


def _domain_renderer(domain: str):
    def render(con: duckdb.DuckDBPyConnection, site: Site) -> list[Path]:
        return [render_domain(con, site, domain)]

    return render


def dashboard_assets() -> list:
    kpi_deps = [SCORECARD, KPI_VALUES, *defined(DEPARTMENTS, TARGETS, KPI_COMPUTABILITY), *staged_keys()]
    rule_deps = defined(DEPARTMENTS, RULE_COMPUTABILITY, CONTROL_REGISTRY)
    quality = quality_keys()
    pages = [
        _page_asset(
            "overview",
            "Company scorecard: KPIs with targets and pinned headline KPIs, with status, "
            "change and trend, filterable by month and department. Grain: one HTML page.",
            kpi_deps,
            lambda con, site: [render_overview(con, site)],
        ),  # fmt: skip
    ]
    for domain in page_domains([e.domain for e in load_registry()]):
        pages.append(
            _page_asset(
                domain,
                f"KPI page of the {domain} domain ({domain_file(domain)}): every registered KPI of "
                "the domain, filterable by month and department. Grain: one HTML page.",
                kpi_deps,
                _domain_renderer(domain),
            )  # fmt: skip
        )
    pages += [
        _page_asset(
            "controls",
            "Controls and compliance: findings counted per rule, severity, month and "
            "department (aggregates only). Grain: one HTML page.",
            [SCORECARD, *rule_deps, *findings_keys(), *staged_keys()],
            lambda con, site: [render_controls(con, site)],
        ),  # fmt: skip
        _page_asset(
            "quality",
            "Data quality: loads per source, quarantined rows per source and rule, latest "
            "check results. Grain: one HTML page.",
            [SCORECARD, *defined(DEPARTMENTS), *quality],
            lambda con, site: [render_quality(con, site)],
        ),  # fmt: skip
        _page_asset(
            "review",
            "Monthly performance review: one printable page per month (scorecard, what moved, "
            "open findings) and an index. Grain: one HTML page per month.",
            kpi_deps + findings_keys(),
            render_reviews,
        ),  # fmt: skip
    ]
    return pages


defs = dg.Definitions(assets=dashboard_assets())
