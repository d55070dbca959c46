"""The page framework: what every page shares (navigation, filters, freshness line, quality badge, privacy
note, money in the reporting currency, "not computable" lines) and how a page is written: Jinja2 with
autoescape, data for the page's script embedded as JSON. Every page is written whatever the warehouse holds:
a missing or empty table gives an empty section with a note, never a failed page.

Every figure a page shows passes ``Site.disclosure`` (dashboards/disclosure.py): small groups and the figures
that would give them away are withheld in the page data itself, for every page alike.

Pages are deterministic: the same warehouse, clock and run id give the same bytes (rows are read in a fixed
order, the page data is written with sorted keys, nothing random is generated). A page is written to the run's
build folder (``Site.out_dir``; dashboards/publish.py switches the whole set in at the end of the run), through a
temporary file renamed into place, so a page file is never seen half written."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from assets.metadata import redact
from dashboards import formatting
from dashboards.disclosure import BANDED_UNITS, SMALL, WITHHELD_DEPARTMENT, Disclosure, load_disclosure
from dashboards.i18n import (
    MONTHS,
    PLOTLY_DICTIONARY,
    SCALE_SUFFIXES,
    SEPARATORS,
    SEVERITY_NAMES,
    UNIT_SUFFIXES,
    domain_name,
    labels,
    month_label,
    severity_name,
    timestamp_label,
)
from dashboards.plotlyjs import publish_assets, write_atomic
from dashboards.publish import STATUS_FILE, short_run, status_script
from dashboards.warehouse import (
    ALL,
    Freshness,
    NotComputable,
    QualityBadge,
    department_names,
    freshness,
    kpi_periods,
    latest_check_results,
    quality_badge,
    table_exists,
)
from pipelines.settings import Settings

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def css_string(text: object) -> Markup:
    """``text`` as a CSS string literal for an inline <style> (the print header): every character but letters,
    digits, spaces and plain punctuation is written as a CSS escape, so nothing can end the string or the tag."""
    out = "".join(c if c.isalnum() or c in " .,:;()-_·" else f"\\{ord(c):x} " for c in str(text))
    return Markup(f'"{out}"')


def css_content(template: str) -> Markup:
    """A label such as "Page {page} of {pages}" as CSS ``content``: the placeholders become page counters."""
    pieces = re.split(r"(\{pages?\})", str(template))
    parts = [f"counter({p[1:-1]})" if p in ("{page}", "{pages}") else css_string(p) for p in pieces if p]
    return Markup(" ".join(parts))


TEMPLATES.filters["css_string"] = css_string
TEMPLATES.filters["css_content"] = css_content
FIXED_DOMAINS = ("hr", "payroll", "finance")
RESERVED = {"index", "overview", "controls", "quality", "review", "workforce", "assets", "definitions"}


def domain_file(domain: str) -> str:
    return f"kpi-{domain}.html" if domain in RESERVED else f"{domain}.html"


def page_domains(registry_domains: list[str]) -> list[str]:
    """HR, payroll and finance always have a page; any other KPI domain in the registry gets one too."""
    return list(FIXED_DOMAINS) + sorted(set(registry_domains) - set(FIXED_DOMAINS))


@dataclass(frozen=True)
class Site:
    """Everything the pages of one run share."""

    settings: Settings
    now: dt.datetime
    periods: list[dt.date]
    departments: list[tuple[str, str]]  # (id, name), the company first
    freshness: Freshness
    badge: QualityBadge
    domains: list[str]
    disclosure: Disclosure  # what the pages may show (dashboards/disclosure.py)
    out_dir: Path | None = None  # where the pages go: the run's build folder (None: the reports folder itself)
    run_id: str = ""  # the run that builds the pages (the footer names it)

    @property
    def target_dir(self) -> Path:
        return self.out_dir or self.settings.reports_dir

    @property
    def language(self) -> str:
        return self.settings.language

    @property
    def labels(self) -> dict[str, str]:
        return labels(self.language)

    def text(self, key: str, **params: object) -> str:
        return self.labels[key].format(**params)

    def month(self, period: dt.date, short: bool = False) -> str:
        return month_label(period, self.language, short)

    @property
    def currency(self) -> str:
        """The reporting currency (ISO code) money is shown in."""
        return (self.settings.currency or formatting.DEFAULT_CURRENCY).upper()

    def value(self, value: float | None, unit: str) -> str:
        """A KPI value as the page writes it (money in the reporting currency)."""
        return formatting.kpi_value(value, unit, self.language, self.currency)

    def hidden_text(self, mark: str, unit: str) -> str:
        """What a page writes for a withheld figure: a small group's headcount as a band ("< 5"), its other
        figures as n<5, a figure withheld to protect another as x (dashboards/disclosure.py)."""
        minimum = self.settings.privacy_min_group_size
        if mark == SMALL:
            return self.text("band" if unit in BANDED_UNITS else "suppressed", min=minimum)
        return self.text("withheld", min=minimum)

    def hidden_title(self, mark: str) -> str:
        key = "suppressed_title" if mark == SMALL else "withheld_title"
        return self.text(key, min=self.settings.privacy_min_group_size)

    def change(self, change: float | None, unit: str) -> str:
        return formatting.kpi_change(change, unit, self.language, self.text("points"), self.currency)

    def money(self, value: float | None) -> str:
        return formatting.money(value, self.language, self.currency)

    def columns_text(self, missing: tuple[str, ...]) -> str:
        """``employees.hire_date|job_history.event_date`` reads "employees.hire_date or job_history.event_date";
        with more than one requirement, a choice is put in brackets."""
        joiner = f" {self.text('or')} "
        parts = []
        for item in missing:
            choices = [c.strip() for c in item.split("|") if c.strip()]
            text = joiner.join(choices)
            parts.append(f"({text})" if len(choices) > 1 and len(missing) > 1 else text)
        return ", ".join(parts)

    def needs(self, item: NotComputable) -> str:
        """``not computable: needs employees.hire_date`` (Indonesian ``tidak dapat dihitung: perlu ...``)."""
        if not item.missing:
            return self.text("not_computable_plain")
        return self.text("not_computable", columns=self.columns_text(item.missing))

    def not_computable_items(self, items: list[tuple[str, NotComputable]]) -> list[dict]:
        """(name, what is missing) as the "not computable" section of a page lists them."""
        return [
            {"code": item.code, "name": name, "needs": self.needs(item), "reason": redact(item.reason)}
            for name, item in items
        ]

    def nav(self) -> list[dict]:
        items = [("overview", "overview.html", self.text("nav_overview"))]
        for domain in self.domains:
            key = f"nav_{domain}"
            items.append((domain, domain_file(domain), self.labels.get(key) or domain_name(domain, self.language)))
        items += [
            ("controls", "controls.html", self.text("nav_controls")),
            ("quality", "quality.html", self.text("nav_quality")),
            ("review", "review.html", self.text("nav_review")),
            ("definitions", "definitions.html", self.text("nav_definitions")),
        ]
        return [{"key": k, "href": h, "label": label} for k, h, label in items]


def load_site(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    domains: list[str],
    now: dt.datetime,
    out_dir: Path | None = None,
    run_id: str = "",
) -> Site:
    periods = kpi_periods(con)
    names = department_names(con)
    ids = set(names)
    if table_exists(con, "marts.scorecard"):
        rows = con.execute(
            "select distinct department_id from marts.scorecard where department_id is not null order by 1"
        ).fetchall()
        ids |= {r[0] for r in rows}
    ids.discard(ALL)
    departments = [(ALL, labels(settings.language)["all_departments"])] + sorted(
        ((d, names.get(d, d)) for d in ids), key=lambda item: (item[1].casefold(), item[0])
    )
    return Site(
        settings=settings,
        now=now,
        periods=periods,
        departments=departments,
        freshness=freshness(con, periods, now),
        badge=site_badge(con),
        domains=domains,
        disclosure=load_disclosure(con, periods, settings.privacy_min_group_size),
        out_dir=out_dir,
        run_id=run_id,
    )


def site_badge(con: duckdb.DuckDBPyConnection) -> QualityBadge:
    """The quality badge with the one count of quarantined rows (``dashboards.quality.quarantined_rows``: rows of
    the file versions that currently count), so that the badge, its tooltip, the quality page's card, the
    monthly review and the CLI all give the same number."""
    from dashboards.quality import quarantined_by_source  # the quality page imports this module

    badge = quality_badge(con)
    by_source = quarantined_by_source(con)
    rows = sum(by_source.values())
    failing = [c for c in (latest_check_results(con) or []) if not c["passed"]]
    level = "error" if badge.failed_files or badge.failing_error_checks else "warn" if rows or failing else "ok"
    return replace(badge, level=level, quarantined_rows=rows, sources_with_quarantine=len(by_source))


def badge_text(site: Site) -> str:
    """ "Data quality: no issues", or what there is to see: failed files, quarantined rows, failing checks."""
    badge = site.badge
    if badge.level == "ok":
        return site.text("quality_ok")
    count = partial(formatting.number, decimals=0, language=site.language)
    parts = [
        site.text(key, n=count(n))
        for key, n in (
            ("badge_files_failed", badge.failed_files),
            ("badge_quarantined", badge.quarantined_rows),
            ("badge_checks_failing", badge.failing_checks),
        )
        if n
    ]
    return site.text("quality_parts", parts=" · ".join(parts))


def embed_json(payload: dict) -> str:
    """JSON for a <script type="application/json"> block: nothing in it can close the tag or open a comment."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def common_payload(site: Site, page: str) -> dict:
    """The part of every page's data that its script needs: labels, number format, months, departments."""
    return {
        "page": page,
        "lang": site.language,
        "labels": site.labels,
        "format": {
            **SEPARATORS[site.language],
            "decimals": formatting.DECIMALS,
            "whole": sorted(formatting.WHOLE_WHEN_INTEGRAL),
            "suffix": UNIT_SUFFIXES[site.language],
            **chart_locale(site.language),
            "money": list(formatting.MONEY_UNITS),
            "currency": formatting.currency_prefix(site.currency),
            "currencyCode": site.currency,
            "compactFrom": formatting.COMPACT_FROM,  # money on cards from this size on: Rp 993M (formatting.py)
        },
        "minGroup": site.settings.privacy_min_group_size,
        "periods": [p.strftime("%Y-%m") for p in site.periods],
        "periodLabels": [site.month(p, short=True) for p in site.periods],
        "periodNames": [site.month(p) for p in site.periods],
        "departments": [list(d) for d in site.departments],
        # department -> one mark per month where any is withheld: 1 small group, 2 withheld (dashboards/disclosure)
        "withheld": {
            d: marks
            for d, marks in site.disclosure.departments.items()
            if marks.strip("0") and (d == ALL or d in dict(site.departments))
        },
        "withheldKey": WITHHELD_DEPARTMENT,
        "bandUnits": sorted(BANDED_UNITS),
    }


def chart_locale(language: str) -> dict:
    """What the pages' script needs to write charts in the page's language: month names for date axes, the
    suffixes of thousands, millions, ... for large numbers on axes, severities, and Plotly's own words."""
    return {
        "months": MONTHS[language],
        "shortMonths": [name[:3] for name in MONTHS[language]],
        "scale": SCALE_SUFFIXES[language],
        "severities": SEVERITY_NAMES[language],
        "plotly": PLOTLY_DICTIONARY[language],
    }


def header_context(site: Site, page: str, title: str) -> dict:
    f = site.freshness
    if f.last_load is None:
        fresh = site.text("freshness_none")
    else:
        latest = site.month(f.latest_period) if f.latest_period else "–"
        fresh = site.text("freshness", timestamp=timestamp_label(f.last_load, site.language), period=latest)
    badge = site.badge
    return {
        "lang": site.language,
        "page": page,
        "title": title,
        "company": site.settings.company_name,
        "nav": site.nav(),
        "freshness": fresh,
        "stale": site.text("freshness_stale", days=f.days_old) if f.is_stale else None,
        "rendered": rendered_line(site),
        "badge": {
            "level": badge.level,
            "text": badge_text(site),
            "quarantined": badge.quarantined_rows,
            "title": site.text(
                "quality_badge_title",
                failed=badge.failed_files,
                quarantined=formatting.number(badge.quarantined_rows, 0, site.language),
                checks=badge.failing_checks,
            ),
        },
        "privacy_note": site.text("privacy_note", min=site.settings.privacy_min_group_size),
        "status_labels_json": embed_json({k: site.labels[k] for k in ("banner_running", "banner_failed")}),
        "L": site.labels,
        "severity_name": lambda severity: severity_name(severity, site.language),
    }


def rendered_line(site: Site) -> str:
    """The footer line naming the build: the only line of a page that differs between runs of the same data."""
    timestamp = timestamp_label(site.now, site.language)
    if site.run_id:
        return site.text("rendered_run", timestamp=timestamp, run=short_run(site.run_id))
    return site.text("rendered", timestamp=timestamp)


def write_page(site: Site, template: str, filename: str, context: dict) -> Path:
    folder = site.target_dir
    folder.mkdir(parents=True, exist_ok=True)
    publish_assets(folder)
    status = folder / STATUS_FILE
    if not status.exists():  # the publish step rewrites it; a folder rendered on its own says "built, no news"
        write_atomic(status, status_script(site.run_id, site.now, None, site.language))
    html = TEMPLATES.get_template(template).render(**context)
    target = folder / filename
    write_atomic(target, html)
    return target


def dashboard_page(
    site: Site,
    page: str,
    title: str,
    filename: str,
    payload: dict,
    notes: list[str],
    unavailable: tuple[str, list[dict]] | None = None,
) -> Path:
    """A filterable page: header, filters, and the containers the script fills from ``payload``; ``unavailable``
    is a heading and the KPIs or rules the data cannot compute (``Site.not_computable_items``), written on the
    server so the page says what it needs even without its script."""
    heading, items = unavailable or ("", [])
    context = header_context(site, page, title)
    context.update(
        periods=[(p.strftime("%Y-%m"), site.month(p)) for p in site.periods],
        departments=site.departments,
        notes=notes,
        unavailable_title=heading,
        unavailable=items,
        data_json=embed_json({**common_payload(site, page), **payload}),
    )
    return write_page(site, "dashboard.html", filename, context)
