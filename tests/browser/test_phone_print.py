"""Every page on a phone (390x844) and a desktop (1440x900), and the monthly review on paper (A4).

Phone: tables are stacks of cards whose cells carry their column's name, chart titles wrap, charts fit, and no
element is wider than the screen. Print: the nightly run wrote each month's review as a PDF beside its page (one
Chromium for all months); every PDF page has the running header, its page number ("Page n of N") and content of
its own (no blank page, no page with the footer alone). Screenshots of every page at both widths, the review's
PDF and a picture of its first page (Chromium's PDF viewer) go to test-artifacts/browser/.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from fixtures.browser import ARTIFACTS, END_PERIOD, WIDER_THAN, Tab

pytestmark = pytest.mark.browser

REVIEW = f"review-{END_PERIOD}.html"
PHONE, DESKTOP = (390, 844), (1440, 900)


def _pages(site) -> list[str]:
    return sorted(p.name for p in site["reports"].glob("*.html"))


@pytest.fixture(scope="module")
def phone(browser_context):
    context = browser_context.browser.new_context(viewport=dict(zip(("width", "height"), PHONE, strict=True)))
    yield context
    context.close()


@pytest.fixture(scope="module")
def desktop(browser_context):
    context = browser_context.browser.new_context(viewport=dict(zip(("width", "height"), DESKTOP, strict=True)))
    yield context
    context.close()


def test_every_page_fits_a_phone_and_is_pictured_at_both_widths(site, phone, desktop):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wide = {}
    for context, (width, _height) in ((phone, PHONE), (desktop, DESKTOP)):
        tab = Tab(context, site["base"])
        try:
            for name in _pages(site):
                page = tab.open(name)
                page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
                page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}-{width}.png"), full_page=True)
                found = page.evaluate(WIDER_THAN, width)
                if found:
                    wide[f"{name} at {width}px"] = found[:8]
                assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            assert tab.errors == [], tab.errors
        finally:
            tab.page.close()
    assert wide == {}
    assert (ARTIFACTS / f"{Path(REVIEW).stem}-390.png").exists() and (ARTIFACTS / "overview-1440.png").exists()


def test_tables_become_labelled_cards_on_a_phone(site, phone, desktop):
    for context, display in ((phone, {"grid", "block"}), (desktop, {"table-cell"})):
        tab = Tab(context, site["base"])
        try:
            for name in ("hr.html", REVIEW):
                page = tab.open(name)
                table = page.locator("table.data").first
                headers = table.locator("thead th").all_text_contents()
                row = table.locator("tbody tr").first
                cells = row.locator("td")
                assert cells.evaluate_all("cs => cs.map(c => getComputedStyle(c).display)")[1] in display
                labels = cells.evaluate_all("cs => cs.map(c => c.getAttribute('data-label'))")
                assert labels == [h.strip() for h in headers][: len(labels)], (name, labels, headers)
                if context is phone:  # the label is drawn before the value, inside the screen
                    shown = cells.nth(1).evaluate("c => getComputedStyle(c, '::before').content")
                    assert shown.strip('"') == headers[1].strip()
                    assert row.bounding_box()["width"] <= PHONE[0]
        finally:
            tab.page.close()


def test_chart_titles_wrap_and_charts_fit_on_a_phone(site, phone):
    tab = Tab(phone, site["base"])
    try:
        page = tab.open("hr.html")
        page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
        for chart in ("#chart-main", "#chart-side"):
            box = page.locator(chart).bounding_box()
            svg = page.locator(f"{chart} .main-svg").first.bounding_box()
            title = page.locator(f"{chart} .gtitle").bounding_box()
            assert svg["width"] <= box["width"] + 0.5 and box["x"] + box["width"] <= PHONE[0]
            assert box["x"] <= title["x"] and title["x"] + title["width"] <= box["x"] + box["width"]
        lines = page.locator("#chart-side .gtitle tspan.line").count()
        assert lines >= 2, "the long title of the by-department chart is on more than one line"
    finally:
        tab.page.close()


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def test_the_nightly_run_printed_every_months_review_to_pdf(site):
    reviews = sorted(p for p in site["reports"].glob("review-*.html"))
    assert reviews, "the run wrote monthly reviews"
    for html in reviews:
        pdf = html.with_suffix(".pdf")
        assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", pdf.name
    built = (site["reports"] / ".kinerja-build.json").read_text(encoding="utf-8")
    assert f'"review-{END_PERIOD}.pdf"' in built, "the PDFs are part of the published set"


def _own_content(text: str, number: int, total: int, site) -> list[str]:
    """The words of a PDF page other than its running header, its page number and the page footer."""
    from dashboards.i18n import LABELS

    flat = " ".join(text.split()).replace(f"Page {number} of {total}", " ")
    header = re.escape(site["settings"].company_name) + r" · Monthly performance review · [A-Z][a-z]+ \d{4}"
    flat = re.sub(header, " ", flat, count=1)
    privacy = LABELS["en"]["privacy_note"].format(min=site["settings"].privacy_min_group_size)
    flat = flat.replace(" ".join(privacy.split()), " ")
    flat = re.sub(r"Page built \d{1,2} \w{3} \d{4} \d{2}:\d{2}( by run \w+)?", " ", flat)
    return flat.split()


def test_the_review_pdf_has_a_header_and_page_numbers_on_every_page_and_no_empty_page(site):
    pdf = site["reports"] / REVIEW.replace(".html", ".pdf")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, ARTIFACTS / pdf.name)
    texts = _pdf_pages(pdf)
    total = len(texts)
    assert total >= 2, "a month's review (scorecard, what moved, findings, quality) fills more than one A4 page"
    header = f"{site['settings'].company_name} · Monthly performance review · "
    # the scorecard starts under the page title, on the first page (not pushed whole to the next one)
    assert "Scorecard, " in texts[0], texts[0][:400]
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text, (number, text[:200])
        assert header in " ".join(text.split()), (number, text[:200])
        words = _own_content(text, number, total, site)
        assert len(words) >= 5, f"page {number} of {total} has no content of its own: {text[:300]!r}"


def test_the_page_content_check_sees_a_footer_alone(site):
    """A page with only the header, the page number and the footer counts as empty."""
    from dashboards.i18n import LABELS

    privacy = LABELS["en"]["privacy_note"].format(min=site["settings"].privacy_min_group_size)
    alone = f"{site['settings'].company_name} · Monthly performance review · June 2025\nPage 3 of 3\n{privacy}\n"
    assert _own_content(alone + "Page built 2 Jul 2025 09:00 by run 1a2b3c4d", 3, 3, site) == []


def test_the_print_header_cannot_break_out_of_its_style_block():
    """The running header is the page title in a CSS string: a company named with quotes or a closing tag stays
    text."""
    from dashboards.render import css_content, css_string

    hostile = 'PT "Evil" </style><script>alert(1)</script> \\ ; }'
    text = str(css_string(hostile))
    assert text.startswith('"') and text.endswith('"') and '"' not in text[1:-1]
    assert not {"<", ">", "\n", "{", "}"} & set(text) and "\\3c " in text
    assert str(css_content("Halaman {page} dari {pages}")) == '"Halaman " counter(page) " dari " counter(pages)'


def test_the_first_pdf_page_as_a_picture(site, browser_context):
    """Chromium opens the PDF in its viewer: a picture of the first page for a person to look at."""
    pdf = site["reports"] / REVIEW.replace(".html", ".pdf")
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": 900, "height": 1200})
        page.goto(pdf.resolve().as_uri())
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{pdf.stem}-pdf-page-1.png"))
    finally:
        page.close()
    assert (ARTIFACTS / f"{pdf.stem}-pdf-page-1.png").stat().st_size > 10_000


def test_printed_review_keeps_pills_on_one_line_and_hides_the_controls(site, tab):
    page = tab.open(REVIEW)
    page.emulate_media(media="print")
    heights = page.locator(".status-cell .pill").evaluate_all(
        "ps => ps.map(p => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).fontSize))"
    )
    assert heights and max(heights) < 2.2, heights  # one line of text and the padding; two lines would be 2.6
    assert page.locator(".toolbar").evaluate("n => getComputedStyle(n).display") == "none"


def test_one_browser_prints_every_month_and_a_missing_chromium_is_a_warning(
    site, browser_context, tmp_path, monkeypatch
):
    from dashboards import pdf as review_pdf
    from dashboards.assets import print_reviews

    folder = tmp_path / "reports"
    shutil.copytree(site["reports"].resolve(), folder)
    pages = review_pdf.review_pages(sorted(folder.glob("*.html")))
    for old in folder.glob("*.pdf"):
        old.unlink()
    started = time.perf_counter()
    printed = review_pdf.print_pages(pages, browser=browser_context.browser)
    seconds = time.perf_counter() - started
    assert printed.warning is None and [p.name for p in printed.pdfs] == [p.with_suffix(".pdf").name for p in pages]
    (ARTIFACTS / "review-pdf-timing.txt").write_text(
        f"{len(pages)} monthly reviews printed to PDF in {seconds:.2f} s with one browser\n", encoding="utf-8"
    )
    assert seconds < 10 * len(pages)

    class Log:
        warnings: list[str] = []

        def warning(self, message: str) -> None:
            self.warnings.append(message)

    class Context:
        log = Log()

    monkeypatch.setattr(review_pdf, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr("dashboards.assets.current_set", lambda reports_dir: None)  # nothing to take over
    extra, metadata = print_reviews(Context(), pages)
    assert extra == [] and metadata["pdfs"] == 0 and "not installed" in metadata["pdf_warning"]
    assert sorted(folder.glob("review-*.pdf")) == [], "no PDF of an earlier version stays beside a page"
    assert Context.log.warnings and "not installed" in Context.log.warnings[0]
