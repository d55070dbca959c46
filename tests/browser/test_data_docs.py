"""The night's Great Expectations Data Docs in a real browser, opened from the files (file://) with every other
request blocked: one validation result per table the night checked, reached from the quality page, and not one
failed request."""

from __future__ import annotations

import re

import pytest
from fixtures.browser import ARTIFACTS

pytestmark = pytest.mark.browser

VALIDATIONS_TABLE = "#section-1-content-block-2-1-body-table"  # the index's first tab


@pytest.fixture
def offline_tab(browser_context):
    """A page in which any request that is not for a local file fails the test (and is aborted)."""
    page = browser_context.new_page()
    record = {"outside": [], "failed": [], "errors": [], "page": page}

    def route(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            record["outside"].append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: record["failed"].append(f"{r.url}: {r.failure}"))
    page.on("console", lambda m: record["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    yield record
    page.unroute("**/*")
    page.close()


def _checked_tables(con) -> set[str]:
    return {r[0] for r in con.execute("select distinct table_name from meta.check_results").fetchall()}


def _clean(tab) -> None:
    assert tab["outside"] == [], "only local files are requested"
    assert tab["failed"] == [], "every local file the pages load exists"
    assert tab["errors"] == []


def test_the_index_lists_one_validation_result_per_checked_table_offline(site, offline_tab):
    page = offline_tab["page"]
    index = site["reports"] / "data-docs" / "index.html"
    page.goto(index.resolve().as_uri())
    page.wait_for_selector(f"{VALIDATIONS_TABLE} tbody tr", timeout=10_000)
    rows = page.evaluate(f"$('{VALIDATIONS_TABLE}').bootstrapTable('getData')")
    tables = [row["asset_name"] for row in rows]
    assert sorted(tables) == sorted(_checked_tables(site["con"])), "one validation result per checked table"
    assert {row["run_name"] for row in rows} == {site["run_id"]}, "every result is the night's"
    assert page.locator(".fa-check-circle").first.is_visible(), "Font Awesome's icons render from the local copy"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data-docs-index.png"))
    _clean(offline_tab)


def test_a_validation_page_and_a_suite_page_render_offline(site, offline_tab):
    page = offline_tab["page"]
    root = site["reports"] / "data-docs"
    validation = next((root / "validations" / "staging").rglob("*.html"))
    page.goto(validation.resolve().as_uri())
    page.wait_for_load_state("load")
    text = page.inner_text("body")
    assert "Expectation Validation Result" in text and site["run_id"] in text
    assert re.search(r"Status:\s*(Succeeded|Failed)", text)
    page.screenshot(path=str(ARTIFACTS / "data-docs-validation.png"))
    suite = next((root / "expectations" / "core").glob("*.html"))
    page.goto(suite.resolve().as_uri())
    page.wait_for_load_state("load")
    assert "Expectation Suite" in page.inner_text("body")
    _clean(offline_tab)


def test_the_quality_page_links_to_the_data_docs(site, tab):
    page = tab.open("quality.html")
    link = page.locator("a[data-data-docs]")
    assert link.count() == 1
    link.click()
    page.wait_for_url(site["base"] + "data-docs/index.html", timeout=10_000)
    page.wait_for_selector(f"{VALIDATIONS_TABLE} tbody tr", state="attached", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "data-docs-from-quality.png"))
    assert page.evaluate(f"$('{VALIDATIONS_TABLE}').bootstrapTable('getData').length") == len(
        _checked_tables(site["con"])
    )
    assert tab.outside() == [] and tab.errors == []
