"""Dashboard assets: one asset per page under the ``reports`` prefix, rendered inside the nightly run from the
marts and published under data/reports with one shared local plotly.js (no request leaves the machine).

Pages: overview (company scorecard), one per KPI domain (hr, payroll, finance and any other domain in the KPI
registry), controls and compliance, data quality, and the monthly reviews; beside them ``reports/data_docs``
writes the night's checks as Great Expectations Data Docs (checks/data_docs.py). Anything served reads these
published files; no page holds the warehouse open.

Publishing is atomic (dashboards/publish.py): ``reports/run_started`` records in the published set that a run
began; every page asset writes into the run's own build folder; ``reports/published`` switches the complete set
in with one rename once every page is built. A page or publish step that fails records the run as failed in the
published set (its pages then say so); a run that stops before publishing leaves the last complete set in place.
A run that materializes pages without ``reports/published`` (one page from the UI) publishes the set it had,
with those pages rebuilt, in the same way."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.catalog import catalogued, report_url
from assets.ingest.assets import contract_paths, staging_key
from assets.kpi.assets import KPI_VALUES
from assets.kpi.registry import load_registry
from checks.data_docs import DOCS_DIR, build_data_docs
from dashboards.definitions import render_definitions
from dashboards.findings import FINDINGS_TABLES, REVIEW_MARTS, render_controls
from dashboards.kpi_pages import render_domain, render_overview
from dashboards.pdf import print_pages, reuse_printed, review_pages
from dashboards.publish import (
    build_dir,
    current_set,
    mark_failed,
    mark_started,
    prepare_build,
    publish,
    publish_read_copy,
    record_pages,
    seed_build,
)
from dashboards.quality import render_quality
from dashboards.render import RESERVED, Site, domain_file, load_site, page_domains
from dashboards.review import render_reviews
from pipelines.discovery import asset_graph
from pipelines.resources import step_connection
from pipelines.settings import get_settings
from pipelines.warehouse import publish_snapshot

OWNERS = ["team:performance"]
SCORECARD = dg.AssetKey(["marts", "scorecard"])
DEPARTMENTS = dg.AssetKey(["canonical", "departments"])
TARGETS = dg.AssetKey(["canonical", "kpi_targets"])
# Read when the warehouse has them (a page without them says every KPI and rule is computable).
KPI_COMPUTABILITY = dg.AssetKey(["marts", "kpi_computability"])
RULE_COMPUTABILITY = dg.AssetKey(["marts", "rule_computability"])
CONTROL_REGISTRY = dg.AssetKey(["marts", "control_registry"])
RUN_STARTED = dg.AssetKey(["reports", "run_started"])
PUBLISHED = dg.AssetKey(["reports", "published"])


def run_moment(context: dg.AssetExecutionContext) -> dt.datetime:
    """When the run started (every page of a night names the same build time); now if the instance has no record."""
    try:
        record = context.instance.get_run_record_by_id(context.run.run_id)
        started = record.start_time if record else None
    except Exception:  # noqa: BLE001 - an instance that keeps no run records
        started = None
    moment = dt.datetime.fromtimestamp(started) if started else dt.datetime.now()
    return moment.replace(microsecond=0)


def run_publishes(context: dg.AssetExecutionContext) -> bool:
    """Whether ``reports/published`` runs in this run (the whole night does; one page from the UI does not)."""
    return PUBLISHED in context.job_def.asset_layer.selected_asset_keys


def run_build(context: dg.AssetExecutionContext) -> Path:
    """The run's build folder; a re-execution (from failure) starts from its parent run's unpublished pages."""
    settings = get_settings()
    return prepare_build(settings.reports_dir, context.run.run_id, context.run.parent_run_id)


@dg.failure_hook(name="reports_record_failed_run")
def record_failed_run(context: dg.HookContext) -> None:
    """A page or the publish step failed: the published (last complete) set says the newest night failed."""
    settings = get_settings()
    mark_failed(settings.reports_dir, context.run_id, dt.datetime.now(), context.step_key, settings.language)


@dg.asset(
    key=RUN_STARTED,
    group_name="dashboards",
    kinds={"json"},
    owners=OWNERS,
    op_tags={"dagster/priority": "100"},  # first step of the night
    hooks={record_failed_run},
    description="Records in the published pages that a nightly run has started, so that until it publishes "
    "(or if it never does) every page says it is from the last complete run. Grain: one status file.",
)
def run_started(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_settings()
    try:
        marked = mark_started(settings.reports_dir, context.run.run_id, run_moment(context), settings.language)
    except OSError as exc:  # the night goes on: the pages of this run are published all the same
        context.log.warning(f"could not record the run in the published pages: {exc}")
        marked = False
    return dg.MaterializeResult(metadata={"published_set_marked": marked})


def defined_asset_keys() -> set[dg.AssetKey]:
    """Asset keys that the ``assets`` package defines (so a page can wait for tables later issues add)."""
    return set(asset_graph())


def defined(*keys: dg.AssetKey) -> list[dg.AssetKey]:
    """Those of ``keys`` that an asset of the ``assets`` package defines."""
    known = defined_asset_keys()
    return [k for k in keys if k in known]


def findings_keys() -> list[dg.AssetKey]:
    wanted = {tuple(t.split(".")) for _, t in FINDINGS_TABLES} | {tuple(t.split(".")) for t in REVIEW_MARTS}
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
    after: Callable[[dg.AssetExecutionContext, list[Path]], tuple[list[Path], dict]] | None = None,
):
    """A page asset; ``after`` adds files made from the written pages (the reviews' PDFs) and their metadata."""

    @dg.asset(
        key=dg.AssetKey(["reports", name]),
        deps=deps,
        group_name="dashboards",
        kinds={"plotly", "html"},
        owners=OWNERS,
        description=description,
        hooks={record_failed_run},
        metadata={"url": dg.MetadataValue.url(report_url(page_file(name)))},
    )
    def _page(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        settings = get_settings()
        alone = not run_publishes(context)
        build_id = context.run.run_id if not alone else f"{context.run.run_id}-{name}"
        if alone:  # this run publishes the set it had, with this page rebuilt
            build = build_dir(settings.reports_dir, build_id)
            seed_build(settings.reports_dir, build)
        else:
            build = run_build(context)
        now = run_moment(context)
        with step_connection(duckdb) as con:
            domains = page_domains([e.domain for e in load_registry()])
            site = load_site(con, settings, domains, now, out_dir=build, run_id=context.run.run_id)
            pages = render(con, site)
        extra_metadata: dict = {}
        if after is not None:  # outside the warehouse connection: nothing here reads it
            extra, extra_metadata = after(context, pages)
            pages = pages + extra
        record_pages(build, name, pages)
        if alone:
            publish(settings.reports_dir, build_id, now, [name], settings.language)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.reports_dir / pages[0].name)),
                "url": dg.MetadataValue.url(report_url(pages[0].name)),
                "build": dg.MetadataValue.path(str(build)),
                "pages": [p.name for p in pages],
                "size_bytes": sum(p.stat().st_size for p in pages),
                "rendered_at": site.now.isoformat(timespec="seconds"),
                **extra_metadata,
            }
        )

    return _page


def print_reviews(context: dg.AssetExecutionContext, pages: list[Path]) -> tuple[list[Path], dict]:
    """Each month's review as PDF beside its page, in the same build folder (published with it): printed when the
    page changed, else the published set's PDF of the same page. A machine without Chromium gets a warning and
    no new PDF, and the night goes on."""
    reused, to_print = reuse_printed(review_pages(pages), current_set(get_settings().reports_dir))
    printed = print_pages(to_print)
    if printed.warning:
        context.log.warning(printed.warning)
    metadata = {
        "pdfs": len(reused) + len(printed.pdfs),
        "pdfs_reused": len(reused),
        "pdf_seconds": round(printed.seconds, 2),
    }
    if printed.warning:
        metadata["pdf_warning"] = printed.warning
    return reused + printed.pdfs, metadata


def page_file(name: str) -> str:
    """The file a page asset publishes first: a KPI domain's page, or ``<name>.html`` for the fixed pages."""
    return f"{name}.html" if name in RESERVED else domain_file(name)


def _domain_renderer(domain: str):
    def render(con: duckdb.DuckDBPyConnection, site: Site) -> list[Path]:
        return [render_domain(con, site, domain)]

    return render


def _published_asset(pages: list) -> dg.AssetsDefinition:
    steps = [a.key.path[-1] for a in pages]

    @dg.asset(
        key=PUBLISHED,
        deps=[RUN_STARTED, *(a.key for a in pages)],
        group_name="dashboards",
        kinds={"html"},
        owners=OWNERS,
        description="Publishes the night's pages in one step: once every page is built in the run's folder, "
        "the reports folder (a link) is switched to it with one rename; the set before is kept until the next "
        "publish. With them, what readers open becomes the night: the warehouse's read copy (the file every "
        "reader opens) is replaced by a copy of the night's warehouse in one rename too, or, on a DuckLake "
        "warehouse, the night's last snapshot is marked published. Grain: one published set of pages.",
        hooks={record_failed_run},
        metadata={"url": dg.MetadataValue.url(report_url("overview.html"))},
    )
    def published(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        settings = get_settings()
        run_build(context)
        with duckdb.get_connection() as con:
            if getattr(duckdb, "lake_snapshot", None) is not None:  # pages of the published night, rebuilt
                readers = {"published_snapshot": duckdb.lake_snapshot}
            elif getattr(duckdb, "backend", "duckdb") == "ducklake":  # readers attach the lake at this snapshot
                snapshot = publish_snapshot(con, context.run.run_id, settings.ducklake_keep_nights)
                readers = {"published_snapshot": snapshot}
            else:  # readers open the copy, never the warehouse (dashboards/publish.py)
                copy = publish_read_copy(con, Path(duckdb.database), settings.read_copy)
                readers = {
                    "read_copy": dg.MetadataValue.path(str(settings.read_copy)),
                    "read_copy_mb": round(copy["bytes"] / 1e6, 1),
                    "read_copy_seconds": round(copy["seconds"], 2),
                }
        folder, names = publish(settings.reports_dir, context.run.run_id, run_moment(context), steps, settings.language)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.reports_dir)),
                "url": dg.MetadataValue.url(report_url("overview.html")),
                "build": dg.MetadataValue.path(str(folder)),
                "pages": len(names),
                "run_id": context.run.run_id,
                **readers,
            }
        )

    return published


DATA_DOCS = dg.AssetKey(["reports", "data_docs"])


def _data_docs_asset(deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Great Expectations' own view of the night's checks, written into the run's build and published with the
    pages; each checked table's asset gets an observation linking to its validation result."""

    @dg.asset(
        key=DATA_DOCS,
        deps=deps,
        group_name="dashboards",
        kinds={"html"},
        owners=OWNERS,
        description="Great Expectations Data Docs of the night's validations (data-docs/index.html): one "
        "validation result per checked table, built from meta.check_results whichever engine ran its checks, and "
        "one page per expectation suite; offline, aggregates only. Grain: one static site.",
        hooks={record_failed_run},
        op_tags={"dagster/priority": "-100"},  # the in-process run takes it last: after every check of the night
        metadata={"url": dg.MetadataValue.url(report_url(f"{DOCS_DIR}/index.html"))},
    )
    def data_docs(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        settings = get_settings()
        alone = not run_publishes(context)
        build_id = context.run.run_id if not alone else f"{context.run.run_id}-data_docs"
        if alone:  # this run publishes the set it had, with the data docs rebuilt
            build = build_dir(settings.reports_dir, build_id)
            seed_build(settings.reports_dir, build)
        else:
            build = run_build(context)
        with duckdb.get_connection() as con:
            docs = build_data_docs(con, build / DOCS_DIR)
        record_pages(build, "data_docs", docs.pages)
        if alone:
            publish(settings.reports_dir, build_id, run_moment(context), ["data_docs"], settings.language)
        known = defined_asset_keys()
        for table, page in sorted(docs.validations.items()):
            if dg.AssetKey(table.split(".")) in known:
                context.log_event(
                    dg.AssetObservation(
                        asset_key=dg.AssetKey(table.split(".")),
                        description="Great Expectations Data Docs of the table's latest validation",
                        metadata={
                            "data_docs": dg.MetadataValue.url(report_url(page.relative_to(build).as_posix())),
                            "data_docs_suite": dg.MetadataValue.url(
                                report_url(docs.suites[table].relative_to(build).as_posix())
                            ),
                            "validation_passed": table not in docs.failing,
                        },
                    )
                )
        if docs.dropped:
            context.log.warning(f"remote references left out of the data docs: {', '.join(docs.dropped)}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.reports_dir / DOCS_DIR / "index.html")),
                "url": dg.MetadataValue.url(report_url(f"{DOCS_DIR}/index.html")),
                "build": dg.MetadataValue.path(str(build)),
                "validations": len(docs.validations),
                "failing_validations": docs.failing,
                "pages": len(docs.pages),
                "seconds": round(docs.seconds, 2),
                "remote_references_dropped": docs.dropped,
            }
        )

    return data_docs


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
        ),
    ]
    for domain in page_domains([e.domain for e in load_registry()]):
        pages.append(
            _page_asset(
                domain,
                f"KPI page of the {domain} domain ({domain_file(domain)}): every registered KPI of "
                "the domain, filterable by month and department. Grain: one HTML page.",
                kpi_deps,
                _domain_renderer(domain),
            )
        )
    pages += [
        _page_asset(
            "controls",
            "Controls and compliance: the open findings a reviewer works from (rule in words, severity, "
            "masked entity, amount, age, review status, owner), the open high-severity amount, the false-positive "
            "rate per rule, and findings counted per rule, severity, month and department. Grain: one HTML page.",
            [SCORECARD, *rule_deps, *findings_keys(), *staged_keys()],
            lambda con, site: [render_controls(con, site)],
        ),
        _page_asset(
            "quality",
            "Data quality: loads per source, quarantined rows per source and rule, latest "
            "check results. Grain: one HTML page.",
            [SCORECARD, *defined(DEPARTMENTS), *quality],
            lambda con, site: [render_quality(con, site)],
        ),
        _page_asset(
            "definitions",
            "Definitions: every KPI (formula, unit, needs, owner, target source, latest checks) and every control "
            "rule (name, description, severity, thresholds), each with an anchor the other pages link to. "
            "Grain: one HTML page.",
            [*kpi_deps, *rule_deps],
            lambda con, site: [render_definitions(con, site)],
        ),
        _page_asset(
            "review",
            "Monthly performance review: one printable page per month (scorecard, what moved, "
            "open findings) with its PDF, and an index. Grain: one HTML page and one PDF per month.",
            kpi_deps + findings_keys(),
            render_reviews,
            print_reviews,
        ),
    ]
    pages.append(_data_docs_asset([SCORECARD, *defined(DEPARTMENTS), *quality]))  # what the quality page reads
    return [run_started, *pages, _published_asset(pages)]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(dashboard_assets()))
