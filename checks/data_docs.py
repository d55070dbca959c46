"""The night's validations as Great Expectations Data Docs: the static site GX users know (an index, one validation
result per checked table, one page per expectation suite), written into the reports build so that it is published
with the pages (``data-docs/index.html`` beside ``quality.html``) and readable offline.

Every validation result is built from what ``meta.check_results`` recorded for the table's latest run, whichever
engine ran its checks: GX on a DataFrame, DuckDB SQL on a large table (checks/runner.py), or the source and
journal checks written outside the suites (checks/sources.py, checks/finance.py). A check of the table's suite
keeps the GX expectation it runs as (checks/gx_suite.py); any other check is an ``expect_kinerja_check_to_pass``
expectation carrying the check's recorded sentence. The checks are not run again: building the site costs the
rendering only.

The pages are aggregates like every other page: counts and shares of failing rows, never failing values or keys
(those stay in the warehouse and in Dagster), and long numbers in messages masked. GX's templates load Bootstrap,
jQuery, bootstrap-table, Font Awesome and Vega from CDNs and GX's logo from S3: each reference is rewritten to the
copies in ``data_docs_static/`` (see its README) or to GX's own images, Vega (charts of profiling and distribution
expectations, which Kinerja does not use) and the dark theme are left out, and any other remote reference is
dropped and reported, so the site makes no request beyond its own folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape as escape_html
from pathlib import Path

import duckdb

from assets.metadata import redact
from checks.spec import SUITES_DIR, TABLE_KINDS, Suite, SuiteError, staging_suite, suite_files, yaml_suite
from pipelines.db import table_exists

DOCS_DIR = "data-docs"  # inside the reports folder
SITE_NAME = "kinerja"
STATIC_SOURCE = Path(__file__).parent / "data_docs_static"
IMAGES = ("logo-long.png", "favicon.ico")
NO_RUN = "no-run"  # run name of outcomes recorded outside a Dagster run

# What GX's templates load from the internet, and the local copy each one is replaced with (under static/vendor/).
VENDORED = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper-1.12.9.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control-1.19.1.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-6.6.0/css/all.min.css",
}  # fmt: skip
# Left out on purpose: Vega draws the charts of profiling and distribution expectations (none here), and the dark
# theme restyles Bootstrap when the reader's system prefers dark.
LEFT_OUT = (
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://cdn.jsdelivr.net/npm/vega-lite@5",
    "https://cdn.jsdelivr.net/npm/vega-embed@6",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
)
GX_ASSETS = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[\w.-]+(?:\?[^\"')]*)?")
REMOTE_TAG = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"((?:https?:)?//[^\"]*)\"[^>]*>(?:\s*</script>)?")
REMOTE_REFERENCE = re.compile(r"(?:src=\"|url\(['\"]?)((?:https?:)?//[^\"')]+)")
STATIC_PATH = re.compile(r"([\"'(])(?:\./|(?:\.\./)+)static/")
SRI = re.compile(r" (?:integrity|crossorigin)=\"[^\"]*\"")
NEWSLETTER = re.compile(r"<footer>\s*<p>Stay current on everything GX.*?</footer>", re.S)
QUOTED_LITERAL = re.compile(r"'[^'\n]*'")
COLLAPSE_ID = re.compile(r"-collapse-body-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


@dataclass(frozen=True)
class DataDocs:
    """A built site: its index, and for every checked table its validation page and suite page."""

    root: Path
    index: Path
    validations: dict[str, Path]  # table -> validation result page
    suites: dict[str, Path]  # table -> expectation suite page
    failing: list[str] = field(default_factory=list)  # tables whose validation has an unsuccessful expectation
    dropped: list[str] = field(default_factory=list)  # remote references GX wrote that no local copy replaces
    seconds: float = 0.0

    @property
    def pages(self) -> list[Path]:
        return [self.index, *self.validations.values(), *self.suites.values()]


# -- what was checked ---------------------------------------------------------------------------------------------
def all_suites(contracts_dir: Path | None = None, suites_dir: Path = SUITES_DIR, strict: bool = False) -> list[Suite]:
    """Every table's suite: the staging suites of the contracts that load (an earlier contract keeps a system and
    entity claimed twice) and the YAML suites of every other layer. ``strict`` raises on a suite that cannot be
    read instead of leaving it out."""
    from assets.ingest.contracts import ContractError, contract_conflicts, discover_contracts, load_contract
    from pipelines.settings import get_settings

    folder = contracts_dir or get_settings().contracts_dir
    paths = discover_contracts(folder)
    refused = contract_conflicts(paths)
    suites = []
    for path in paths:
        if path in refused:
            continue
        try:
            suites.append(staging_suite(load_contract(path), suites_dir))
        except (ContractError, SuiteError):
            if strict:
                raise
    for path in suite_files():
        try:
            suites.append(yaml_suite(path))
        except SuiteError:
            if strict:
                raise
    return suites


RECORDED = """
with latest_run as (
    select table_name, arg_max(coalesce(run_id, ''), checked_at) as run_key
    from meta.check_results group by table_name
)
select r.table_name, r.run_id, r.checked_at, r.check_name, r.dimension, r.severity, r.passed, r.engine, r.scope,
       r.rows_checked, r.unexpected_count, r.unexpected_pct, r.observed_value, r.threshold, r.description
from meta.check_results r
join latest_run l on l.table_name = r.table_name and l.run_key = coalesce(r.run_id, '')
qualify row_number() over (partition by r.table_name, r.check_name order by r.checked_at desc, r.passed) = 1
order by r.table_name, r.checked_at, r.check_name
"""


def recorded_outcomes(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Per checked table, the outcome of each check in the table's latest run (a run's late relationship checks
    and its source checks included); empty before the first check."""
    if not table_exists(con, "meta.check_results"):
        return {}
    cursor = con.execute(RECORDED)
    names = [d[0] for d in cursor.description]
    by_table: dict[str, list[dict]] = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        by_table.setdefault(record["table_name"], []).append(record)
    return by_table


# -- GX objects from recorded outcomes ------------------------------------------------------------------------------
def _shown(text: str | None) -> str | None:
    return None if text is None else redact(text)


def could_not_run(record: dict) -> bool:
    """A failed outcome that measured nothing: the check could not run (its sentence says why)."""
    measured = any(record[k] is not None for k in ("rows_checked", "unexpected_count", "observed_value"))
    return not record["passed"] and not measured


def error_text(text: str | None) -> str:
    """Why a check could not run, with the literals the database quotes from the rows masked (a conversion error
    names the value it could not convert)."""
    return QUOTED_LITERAL.sub("'•••'", redact(text))


def _observed(text: str | None):
    value = redact(text) if text is not None else None
    return int(value) if value is not None and re.fullmatch(r"-?\d+", value) else value


def _result(record: dict, kind: str | None) -> tuple[dict, dict | None]:
    """(GX ``result`` dict, ``exception_info``) of one recorded outcome."""
    if could_not_run(record):  # its sentence says why
        message = error_text(record["description"])
        return {}, {"raised_exception": True, "exception_message": message, "exception_traceback": message}
    if kind in TABLE_KINDS or kind is None:
        observed = _observed(record["observed_value"])
        result = {"observed_value": observed if observed is not None else ("passed" if record["passed"] else "failed")}
        if record["unexpected_count"] is not None:
            result["unexpected_count"] = int(record["unexpected_count"])
        return result, None
    considered = int(record["rows_checked"] or 0)
    unexpected = int(record["unexpected_count"] or 0)
    percent = float(record["unexpected_pct"]) if record["unexpected_pct"] is not None else 0.0
    return {
        "element_count": considered,  # the rows the check considered (non-missing values, but every row for not_null)
        "unexpected_count": unexpected,
        "unexpected_percent": percent,
        "unexpected_percent_total": percent,
        "unexpected_percent_nonmissing": percent,
        "partial_unexpected_list": [],  # values stay in the warehouse: the pages show counts
    }, None


def _configuration(record: dict, suite: Suite | None):
    """(GX expectation configuration, check kind or None for a check outside the suite) of a recorded outcome."""
    from checks.gx_suite import GX_SEVERITY, ExpectKinerjaCheckToPass, documented_expectation, has_expectation

    check = next((c for c in suite.checks if c.name == record["check_name"]), None) if suite else None
    if check is not None and has_expectation(check):
        exp = documented_expectation(check)
    else:
        exp = ExpectKinerjaCheckToPass(
            check=record["check_name"],
            passed=bool(record["passed"]),
            observed_value=_shown(record["observed_value"]),
            description=(error_text if could_not_run(record) else redact)(record["description"]),
        )
        exp.notes = redact(record["threshold"]) if record["threshold"] else None
    # what the run recorded wins over the suite as it is now (a check on a column no source fills is a warning)
    recorded = {k: record[k] for k in ("dimension", "severity", "engine")}
    exp.meta = {**(exp.meta or {}), "check": record["check_name"], **recorded, "scope": redact(record["scope"])}
    exp.severity = GX_SEVERITY.get(record["severity"], "critical")
    return escaped(exp).configuration, (check.kind if check is not None and has_expectation(check) else None)


def escaped(exp):
    """``exp`` with its description and notes HTML-escaped: GX renders a description as the template of the
    expectation's sentence, unescaped (its parameters alone are escaped), and a rule's reason or a recorded
    message is text, never markup."""
    if exp.description:
        exp.description = escape_html(exp.description)
    if isinstance(exp.notes, str):
        exp.notes = escape_html(exp.notes)
    return exp


def _utc(moment: dt.datetime) -> dt.datetime:
    """A recorded time (the machine's local time) in UTC, as GX names and shows run times."""
    return moment.astimezone(dt.UTC)


def validation_result(table: str, records: list[dict], suite: Suite | None):
    """(identifier, ExpectationSuiteValidationResult) of one table from its recorded outcomes."""
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from checks.gx_suite import gx

    results = []
    for record in records:
        configuration, kind = _configuration(record, suite)
        result, exception = _result(record, kind)
        results.append(
            ExpectationValidationResult(
                success=bool(record["passed"]),
                expectation_config=configuration,
                result=result,
                exception_info=exception
                or {"raised_exception": False, "exception_message": None, "exception_traceback": None},
            )
        )
    run_time = _utc(max(r["checked_at"] for r in records))
    run_id = RunIdentifier(run_name=records[0]["run_id"] or NO_RUN, run_time=run_time)
    passed = sum(1 for r in records if r["passed"])
    engines = sorted({r["engine"] for r in records if r["engine"]})
    scopes = sorted({redact(r["scope"]) for r in records if r["scope"]})
    blocking = sum(1 for r in records if not r["passed"] and r["severity"] == "ERROR")
    batch_spec = {"data_asset_name": table, "engines": ", ".join(engines), "scope": "; ".join(scopes)}
    result = ExpectationSuiteValidationResult(
        success=passed == len(records),
        results=results,
        suite_name=table,
        statistics={
            "evaluated_expectations": len(records),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(records) - passed,
            "success_percent": 100.0 * passed / len(records),
        },
        meta={
            "great_expectations_version": gx.__version__,
            "run_id": run_id,
            "validation_time": run_time.strftime("%Y%m%dT%H%M%S.%fZ"),
            "batch_spec": batch_spec,
            "batch_markers": {"recorded_in": "meta.check_results", "failing_error_checks": blocking},
            "active_batch_definition": {
                "datasource_name": "warehouse",
                "data_asset_name": table,
                "batch_definition_name": "checked rows",
            },
        },
    )
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=table),
        run_id=run_id,
        batch_identifier=f"warehouse-{table}",
    )
    return key, result


# -- the site --------------------------------------------------------------------------------------------------
def build_data_docs(con: duckdb.DuckDBPyConnection, target: Path, suites: Sequence[Suite] | None = None) -> DataDocs:
    """Write the site of the latest recorded validations into ``target`` (replaced whole; it is written beside it
    first). ``suites`` defaults to every suite of the project."""
    started = time.perf_counter()
    suites = all_suites() if suites is None else suites
    by_table = {s.table: s for s in suites}
    recorded = recorded_outcomes(con)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        links = _render(staging, recorded, by_table)
        if target.exists():
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            os.replace(target, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return DataDocs(
        root=target,
        index=target / "index.html",
        validations={t: target / p for t, p in links["validations"].items()},
        suites={t: target / p for t, p in links["suites"].items()},
        failing=sorted(t for t, records in recorded.items() if not all(r["passed"] for r in records)),
        dropped=links["dropped"],
        seconds=time.perf_counter() - started,
    )


def _render(folder: Path, recorded: dict[str, list[dict]], suites: dict[str, Suite]) -> dict:
    """GX's pages, rendered by GX's renderers and views straight from the objects (what ``SiteBuilder`` does
    through a data context's stores, without their JSON round trips, and without copying GX's static folder of
    4 MB of fonts and animations these pages do not use)."""
    from great_expectations.render.renderer import (
        ExpectationSuitePageRenderer,
        SiteIndexPageRenderer,
        ValidationResultsPageRenderer,
    )
    from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder
    from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

    from checks.gx_suite import expectation_suite, gx

    write = _PageWriter(folder)
    view = DefaultJinjaPageView()
    view.env.auto_reload = False  # GX's templates do not change during a build: no stat per include
    options = {"data_context_id": None, "show_how_to_buttons": False}
    links: dict = {"site_name": SITE_NAME}
    add_link = DefaultSiteIndexBuilder.add_resource_info_to_index_links_dict  # GX's page paths (needs no builder)
    validations = []
    for table, records in recorded.items():
        suite = suites.get(table)
        names = [r["check_name"] for r in records]
        gx_suite = (
            expectation_suite(suite, shown_sources(suite))
            if suite
            else gx.ExpectationSuite(name=table, meta={"kinerja": {"table": table, "checks_outside_gx": names}})
        )
        gx_suite.expectations = [escaped(e) for e in gx_suite.expectations]
        add_link(None, links, table, "expectations")
        write(
            links["expectations_links"][-1]["filepath"],
            view.render(ExpectationSuitePageRenderer().render(gx_suite), **options),
        )
        key, result = validation_result(table, records, suite)
        validations.append((key, result))
    for key, result in sorted(validations, key=lambda v: (v[0].run_id.run_time, v[1].suite_name), reverse=True):
        add_link(
            None,
            links,
            result.suite_name,
            "validations",
            batch_identifier=key.batch_identifier,
            run_id=key.run_id,
            validation_success=result.success,
            run_time=key.run_id.run_time,
            run_name=key.run_id.run_name,
            asset_name=result.suite_name,
            batch_kwargs={},
            batch_spec=result.meta["batch_spec"],
        )
        write(
            links["validations_links"][-1]["filepath"],
            view.render(ValidationResultsPageRenderer().render(result), **options),
        )
    links.setdefault("expectations_links", [])
    links.setdefault("validations_links", [])
    write("index.html", DefaultJinjaIndexPageView().render(SiteIndexPageRenderer().render(links), **options))
    return {
        "validations": {link["expectation_suite_name"]: link["filepath"] for link in links["validations_links"]},
        "suites": {link["expectation_suite_name"]: link["filepath"] for link in links["expectations_links"]},
        "dropped": sorted(write.dropped),
    }


def shown_sources(suite: Suite) -> list[str]:
    """The suite's files relative to the project (a page names no folder of the machine)."""
    from pipelines.settings import PROJECT_ROOT

    shown = []
    for source in suite.sources:
        path = Path(source)
        try:
            shown.append(path.resolve().relative_to(PROJECT_ROOT).as_posix())
        except ValueError:
            shown.append(path.name)
    return shown


# -- offline -------------------------------------------------------------------------------------------------------
class _PageWriter:
    """Writes each page of the site made offline, having copied the local assets into its ``static/`` folder;
    collects the remote references no local copy replaces (left out of the pages)."""

    def __init__(self, folder: Path) -> None:
        from checks.gx_suite import gx

        self.folder = folder
        self.static = folder / "static"
        self.dropped: set[str] = set()
        shutil.copytree(STATIC_SOURCE, self.static / "vendor", ignore=shutil.ignore_patterns("README.md"))
        (self.static / "images").mkdir(parents=True)
        images = Path(gx.__file__).parent / "render" / "view" / "static" / "images"
        for name in IMAGES:
            shutil.copyfile(images / name, self.static / "images" / name)

    def __call__(self, path: str, html: str) -> None:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        html, unknown = offline_html(html, os.path.relpath(self.static, target.parent))
        self.dropped |= set(unknown)
        target.write_text(html, encoding="utf-8")


def offline_html(html: str, static: str) -> tuple[str, list[str]]:
    """A GX page with its CDN and S3 references replaced by ``static``'s copies (``static`` is the relative path
    from the page to the site's static folder), the newsletter footer removed, and GX's random element ids made
    sequential (identical results give identical pages). Returns the page and the remote references dropped."""
    head, end_of_head, body = html.partition("</head>")  # the scripts and stylesheets are in the head
    for url, local in VENDORED.items():
        head = head.replace(f'"{url}"', f'"{static}/vendor/{local}"')
    head = SRI.sub("", head)  # integrity and crossorigin: a file:// page cannot fetch its scripts in CORS mode
    dropped: list[str] = []

    def drop(match: re.Match) -> str:
        if match.group(1) not in LEFT_OUT:
            dropped.append(match.group(1))
        return ""

    head = REMOTE_TAG.sub(drop, head)
    html = GX_ASSETS.sub(f"{static}/images/logo-long.png", head + end_of_head + NEWSLETTER.sub("", body))
    # every page's own static path (GX's favicon link of a validation page is one folder short)
    html = STATIC_PATH.sub(lambda m: f"{m.group(1)}{static}/", html)
    remote = REMOTE_REFERENCE.findall(html)  # anything else that would load from the network: an image
    for url in remote:
        html = html.replace(url, f"{static}/images/logo-long.png")
    ids: dict[str, str] = {}
    html = COLLAPSE_ID.sub(lambda m: "-collapse-body-" + ids.setdefault(m.group(1), str(len(ids) + 1)), html)
    return html, dropped + remote
