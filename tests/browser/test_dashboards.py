"""The dashboards in a real browser: Debian's chromium driven by Playwright (installed by `make browser-deps`,
never downloaded by Playwright), on a small generated company run through the nightly job.

The landing files are edited before the run: department D07 is renamed <script>alert(1)</script>, D09 a
spreadsheet formula, and one leave request has a leave type the contract does not allow (it is quarantined).
Screenshots of every page go to test-artifacts/browser/.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fixtures.browser import ARTIFACTS, CHROMIUM, END_PERIOD, FORMULA_NAME, MAX_PAGE_BYTES, SCRIPT_NAME, Tab

pytestmark = pytest.mark.browser


def _pages(site) -> list[str]:
    return sorted(p.name for p in site["reports"].glob("*.html"))


def test_every_page_loads_offline_with_no_console_error(site, tab):
    names = _pages(site)
    expected = {"overview.html", "hr.html", "payroll.html", "finance.html", "controls.html", "quality.html",
                "review.html", f"review-{END_PERIOD}.html"}  # fmt: skip
    assert expected <= set(names)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in names:
        page = tab.open(name)
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=True)
        assert tab.errors == [], f"{name}: console errors {tab.errors}"
    assert tab.outside() == [], "every request stays on 127.0.0.1"
    assert tab.dialogs == []
    assert sorted(p.name for p in site["reports"].rglob("*.js") if "plotly" in p.name) == ["plotly.min.js"]


def test_pages_stay_under_two_megabytes_beside_the_shared_plotly(site):
    sizes = {p.name: p.stat().st_size for p in site["reports"].glob("*.html")}
    assert max(sizes.values()) < MAX_PAGE_BYTES, sizes


def _headcount(con, department: str, period: str) -> float:
    return con.execute(
        "select value from marts.kpi_values where kpi_code = 'headcount_period_end' and department_id = ? "
        "and strftime(period, '%Y-%m') = ?",
        [department, period],
    ).fetchall()[0][0]


def _page_data(site, name: str) -> dict:
    from faults.disclosure_attack import page_data

    return page_data((site["reports"] / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["overview.html", "hr.html"])
def test_department_filter_sets_the_headcount_card_to_the_warehouse_value(site, tab, name):
    page = tab.open(name)
    card = page.locator("[data-kpi='headcount_period_end'] .value")
    assert float(card.get_attribute("data-value")) == _headcount(site["con"], "ALL", END_PERIOD)
    data = _page_data(site, name)
    marks = data["marks"].get("headcount_period_end", {})
    month = data["periods"].index(END_PERIOD)
    # D01 is the executive office: two people, a small group, whose headcount shows as a band; a department
    # withheld beside a small group (so that the company minus the others gives nothing away) shows x
    shown = {"0": 0, "1": 0, "2": 0}
    for department in ("D07", "D09", "D01", *sorted(marks)):
        page.select_option("#filter-department", department)
        mark = marks.get(department, "0" * len(data["periods"]))[month]
        shown[mark] += 1
        if mark == "0":
            expected = _headcount(site["con"], department, END_PERIOD)
            assert float(card.get_attribute("data-value")) == expected
            assert card.inner_text() == f"{expected:,.0f}"
        else:
            assert card.get_attribute("data-value") == "" and card.get_attribute("data-mark") == mark
            assert card.inner_text() == {"1": "< 5", "2": "x"}[mark]
    assert shown["0"] and shown["1"], shown
    assert marks["D01"][month] == "1"
    page.select_option("#filter-department", "D01")
    page.select_option("#filter-period", "2025-01")
    assert card.inner_text() == "< 5" and _headcount(site["con"], "D01", "2025-01") < 5
    assert "dept=D01" in page.url and "period=2025-01" in page.url  # the filters travel with the link
    assert tab.errors == []


def test_a_script_named_department_renders_as_text(site, tab):
    page = tab.open("hr.html")
    assert page.locator("#filter-department option[value='D07']").inner_text() == SCRIPT_NAME
    assert page.get_by_role("button", name=SCRIPT_NAME, exact=True).count() >= 1  # the table's drill-down
    page.select_option("#filter-department", "D07")
    assert SCRIPT_NAME in page.locator("#tables").inner_text()
    injected = page.evaluate(
        "Array.from(document.scripts).filter(s => s.type !== 'application/json' && s.text.includes('alert(1)')).length"
    )
    assert injected == 0
    assert tab.dialogs == [] and tab.errors == []


def test_csv_export_neutralises_formula_cells(site, tab):
    page = tab.open("hr.html")
    with page.expect_download() as info:
        page.locator(".table-block button.export").first.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    names = [r[0] for r in rows[1:]]
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    assert SCRIPT_NAME in names
    cells = page.evaluate("['=1+2', '+1', '-cmd', '@SUM(A1)', 'plain', -5, 'a,b'].map(v => Kinerja.csvCell(v))")
    assert cells == ["'=1+2", "'+1", "'-cmd", "'@SUM(A1)", "plain", "-5", '"a,b"']


def test_no_withheld_figure_can_be_worked_out_from_the_published_pages(site):
    """The disclosure attack of tests/faults/test_disclosure.py on the nightly run's pages: page text and page data,
    every additive KPI and month (company minus the visible departments), the annual turnover window, findings."""
    from faults.disclosure_attack import attack

    found = attack(site["reports"], site["con"])
    assert found == [], "\n".join(map(str, found[:20]))


def test_the_csv_export_has_no_row_with_a_single_withheld_figure(site, tab):
    """The by-department CSV of the payroll page: in each additive column where the company figure is a number,
    the departments that are withheld (n<5, < 5, x) number none or at least two, and none is a small group's number."""
    page = tab.open("payroll.html")
    with page.expect_download() as info:
        page.locator(".table-block button.export").first.click()
    rows = list(csv.reader(Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()))
    header, company, departments = rows[0], rows[1], rows[2:]
    hidden_texts = {"n<5", "< 5", "x"}
    checked = 0
    for column, title in enumerate(header[1:], start=1):
        if "(IDR)" not in title or "per employee" in title.lower() or "average" in title.lower():
            continue  # totals only: averages are not added up
        if company[column] in hidden_texts or company[column] == "":
            continue
        hidden = [r[0] for r in departments if r[column] in hidden_texts]
        assert len(hidden) != 1, (title, hidden)
        checked += 1
    assert checked >= 2
    small = [r for r in departments if r[0] == "Executive Office" or r[0].startswith("Exec")]
    assert all(cell in hidden_texts or cell == "" for r in small for cell in r[1:]), small


def test_a_failed_night_leaves_the_pages_with_a_banner(site, tab):
    """The footer names the run; when a newer night fails, every page (the last complete set) says so."""
    import datetime as dt
    import time

    from dashboards import publish

    page = tab.open("overview.html")
    assert f"by run {site['run_id'][:8]}" in page.locator("footer [data-built]").inner_text()
    assert page.locator("[data-run-banner]").count() == 0
    status = site["reports"] / publish.STATUS_FILE
    before = status.read_bytes()
    try:
        publish.mark_failed(site["reports"], "f00dbabe-failed-night", dt.datetime(2025, 7, 3, 2, 0), "reports__payroll")
        for name in ("overview.html", "payroll.html", f"review-{END_PERIOD}.html"):
            page = tab.open(name)
            banner = page.locator("[data-run-banner='failed']")
            assert banner.count() == 1, name
            text = banner.inner_text()
            assert "The newest nightly run (f00dbabe, started 3 Jul 2025 02:00) failed" in text
            assert f"from run {site['run_id'][:8]}" in text
        time.sleep(1.1)  # a newer modification time than the one the browser has (the server answers 304 otherwise)
        publish.mark_started(site["reports"], "0000cafe-running", dt.datetime.now())
        page = tab.open("hr.html")
        assert "is still publishing" in page.locator("[data-run-banner='running']").inner_text()
    finally:
        status.write_bytes(before)
    assert tab.errors == []


def test_sorting_and_drill_down_from_the_department_table(site, tab):
    page = tab.open("hr.html")
    table = page.locator(".table-block").first
    column = table.locator("th").nth(1)
    column.locator("button").click()  # numbers sort largest first
    assert column.get_attribute("aria-sort") == "descending"
    raw = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    numbers = [float(v.replace(",", "")) for v in raw if v[0].isdigit()]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 3
    table.get_by_role("button", name=FORMULA_NAME, exact=True).click()
    assert page.locator("#filter-department").input_value() == "D09"


def test_quality_page_counts_the_quarantined_leave_request(site, tab):
    page = tab.open("quality.html")
    assert page.locator("[data-kpi='rows_quarantined'] .value").inner_text() == "1"
    assert "hris__leave" in page.locator("#tables").inner_text()
    assert page.locator("[data-quality-badge]").get_attribute("data-quality-badge") == "warn"


def test_the_monthly_review_prints_without_navigation(site, tab):
    page = tab.open(f"review-{END_PERIOD}.html")
    page.emulate_media(media="print")
    assert page.locator("nav.pages").evaluate("n => getComputedStyle(n).display") == "none"
    assert page.locator("section").count() >= 4


# pictures and fonts (the data docs' own assets) hold no text to read
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".woff", ".woff2", ".ttf", ".otf", ".eot"}


def _pdf_text(path: Path) -> str:
    """The text of every page of a PDF (the monthly reviews' PDFs are published beside their pages)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_no_national_id_tax_id_or_bank_account_anywhere_in_the_reports(site):
    from assets.ingest.contracts import discover_contracts, load_contract

    con = site["con"]
    secrets: set[str] = set()
    for path in discover_contracts(site["settings"].contracts_dir):
        contract = load_contract(path)
        for column in [c for c, spec in contract.columns.items() if spec.personal]:
            rows = con.execute(
                f'select distinct "{column}"::varchar from staging.{contract.staging_table} '
                f'where "{column}" is not null'
            ).fetchall()
            secrets |= {r[0] for r in rows if len(r[0]) >= 6}
    assert len(secrets) > 50, "the generated company has national ids, tax ids and bank accounts to look for"
    for page in site["reports"].rglob("*"):
        if page.is_file() and page.name != "plotly.min.js" and page.suffix not in IMAGES:
            text = _pdf_text(page) if page.suffix == ".pdf" else page.read_text(encoding="utf-8")
            found = [s for s in secrets if s in text]
            assert found == [], f"{page.name} shows personal identifiers {found[:3]}"


# ---------------------------------------------------------------- a company with part of the data, in US dollars
# No nightly run: a hand-made warehouse where headcount and payroll cost compute, average tenure and every finance
# KPI do not (marts.kpi_computability), and a second warehouse with no table at all. Every page of both opens
# with no console error; money is in dollars; what cannot be computed is listed, not drawn.
PARTIAL_REGISTRY = [  # code, name, domain, unit, direction, model
    ("headcount_period_end", "Headcount, period end", "hr", "employees", "neutral", "kpi_hr__workforce"),
    ("avg_tenure_years", "Average tenure", "hr", "years", "higher_is_better", "kpi_hr__workforce"),
    ("payroll_cost_total_idr", "Payroll cost, total", "payroll", "money", "lower_is_better", "kpi_payroll__costs"),
    ("opex_total_idr", "Operating expense, total", "finance", "money", "lower_is_better", "kpi_finance__opex"),
]
PARTIAL_VALUES = {  # (kpi, department): (May, June 2025)
    ("headcount_period_end", "ALL"): (12, 12),
    ("headcount_period_end", "D1"): (6, 6),
    ("headcount_period_end", "D2"): (6, 6),
    ("payroll_cost_total_idr", "ALL"): (61_250.4, 62_500.6),
    ("payroll_cost_total_idr", "D1"): (30_000, 31_000),
    ("payroll_cost_total_idr", "D2"): (31_250.4, 31_500.6),
}


def _partial_warehouse(con) -> None:
    from fixtures.warehouse import create_staging, run_models

    from pipelines.settings import Settings

    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_registry (code varchar, name varchar, name_id varchar, domain varchar, unit varchar, "
        "direction varchar, model varchar, definition varchar, formula varchar, source varchar)"
    )
    con.executemany(
        "insert into marts.kpi_registry values ($1, $2, $2, $3, $4, $5, $6, 'what it is', 'a / b', 'ref')",
        PARTIAL_REGISTRY,
    )
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    units = {r[0]: r[3] for r in PARTIAL_REGISTRY}
    con.executemany(
        "insert into marts.kpi_values values (?::date, ?, ?, ?, null, null, ?, 6, false)",
        [
            (f"2025-{month:02d}-01", dept, kpi, value, units[kpi])
            for (kpi, dept), pair in PARTIAL_VALUES.items()
            for month, value in zip((5, 6), pair, strict=True)
        ],
    )
    con.execute(
        "create table marts.kpi_computability (kpi_code varchar, is_computable boolean, missing_columns varchar[], "
        "reason varchar)"
    )
    con.execute(
        "insert into marts.kpi_computability values "
        "('avg_tenure_years', false, ['employees.hire_date|job_history.event_date'], 'No hire date.'), "
        "('opex_total_idr', false, ['gl_entries.debit_amount'], 'No <b>ledger</b> export.')"
    )
    create_staging(con, "performance__kpi_targets", [])
    create_staging(con, "hris__departments", [
        {"department_id": "D1", "department_name": "Operations"},
        {"department_id": "D2", "department_name": SCRIPT_NAME},
    ])  # fmt: skip
    run_models(con, Settings(), "assets/performance/sql/scorecard.sql")


def _render_every_page(con, reports: Path) -> list[str]:
    import datetime as dt

    from dashboards.findings import render_controls
    from dashboards.kpi_pages import render_domain, render_overview
    from dashboards.quality import render_quality
    from dashboards.render import load_site, page_domains
    from dashboards.review import render_reviews
    from pipelines.settings import Settings

    settings = Settings(reports_dir=reports, currency="USD", privacy_min_group_size=5)
    site = load_site(con, settings, page_domains(["hr", "payroll", "finance"]), dt.datetime(2025, 7, 2, 9, 0))
    pages = [render_overview(con, site), *(render_domain(con, site, d) for d in site.domains)]
    pages += [render_controls(con, site), render_quality(con, site), *render_reviews(con, site)]
    return sorted(p.name for p in pages)


@pytest.fixture(scope="module")
def partial_sites(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make browser-deps`")
    import duckdb

    from dashboards.serve import serve_in_thread

    root = tmp_path_factory.mktemp("partial")
    sites = {}
    for name, build in (("partial", _partial_warehouse), ("empty", lambda con: None)):
        con = duckdb.connect()
        build(con)
        pages = _render_every_page(con, root / name)
        con.close()
        server, base = serve_in_thread(root / name)
        sites[name] = {"pages": pages, "base": base, "server": server}
    yield sites
    for site in sites.values():
        site["server"].shutdown()


@pytest.fixture(scope="module")
def partial_context(partial_sites, browser_context):
    """A context of its own in the module's browser (one Playwright per process)."""
    context = browser_context.browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.mark.parametrize("name", ["partial", "empty"])
def test_every_page_of_a_partial_or_empty_warehouse_opens_without_error(partial_sites, partial_context, name):
    site = partial_sites[name]
    assert {"overview.html", "hr.html", "payroll.html", "finance.html", "controls.html", "quality.html",
            "review.html"} <= set(site["pages"])  # fmt: skip
    tab = Tab(partial_context, site["base"])
    try:
        for page_name in site["pages"]:
            page = tab.open(page_name)
            page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
            assert tab.errors == [], f"{name}/{page_name}: console errors {tab.errors}"
        assert tab.dialogs == [] and tab.outside() == []
    finally:
        tab.page.close()


def test_money_in_dollars_and_kpis_that_cannot_be_computed_are_listed_not_drawn(partial_sites, partial_context):
    tab = Tab(partial_context, partial_sites["partial"]["base"])
    try:
        page = tab.open("payroll.html")
        assert page.locator("[data-kpi='payroll_cost_total_idr'] .value").inner_text() == "$62,501"
        hr = tab.open("hr.html")
        assert hr.locator("[data-kpi='headcount_period_end']").count() == 1
        assert hr.locator("[data-kpi='avg_tenure_years']").count() == 0
        needs = hr.locator("#not-computable li[data-code='avg_tenure_years']").inner_text()
        assert "not computable: needs employees.hire_date or job_history.event_date" in needs
        assert "1 not computable" in hr.locator("#summary").inner_text()
        finance = tab.open("finance.html")
        assert finance.locator("#cards .card").count() == 0
        assert "No <b>ledger</b> export." in finance.locator("#not-computable").inner_text()  # shown as text
        assert finance.locator("#not-computable b").count() == 0
        assert tab.errors == [] and tab.dialogs == []
    finally:
        tab.page.close()
