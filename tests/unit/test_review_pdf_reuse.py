"""A month's review PDF is printed again only when its page changed: a page that is the same as in the published
set but for the lines naming its build and the data's freshness keeps the PDF printed then (dashboards/pdf.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from dashboards import assets as page_assets
from dashboards import pdf as review_pdf


def _page(folder: Path, month: str, body: str, run: str, pdf: bytes | None = None, latest: str = "March 2025") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"review-{month}.html"
    freshness = f"Data as of 4 Dec 2026 02:00 (last successful load) · figures up to {latest}"
    page.write_text(
        f'<p class="meta"><span class="company">PT A</span> · <span class="freshness" data-freshness>{freshness}</span>'
        f"</p><main>{body}</main><p data-built>Page built 4 Dec 2026 02:00 by run {run}</p>",
        "utf-8",
    )
    if pdf is not None:
        page.with_suffix(".pdf").write_bytes(pdf)
    return page


@pytest.fixture
def nights(tmp_path):
    """Last night's published set (two months, each with its PDF) and tonight's build, which loaded March: January
    the same but for the build and freshness lines, February's figures moved, March new."""
    published, build = tmp_path / "published", tmp_path / "build"
    _page(published, "2025-01", "headcount 10", "aaaa1111", b"%PDF-january", latest="February 2025")
    _page(published, "2025-02", "headcount 11", "aaaa1111", b"%PDF-february", latest="February 2025")
    pages = [
        _page(build, "2025-01", "headcount 10", "bbbb2222"),
        _page(build, "2025-02", "headcount 12", "bbbb2222", b"%PDF-stale"),  # a PDF of an earlier version
        _page(build, "2025-03", "headcount 12", "bbbb2222"),
    ]
    return published, build, pages


def test_only_changed_or_new_months_are_printed(nights):
    published, build, pages = nights
    reused, to_print = review_pdf.reuse_printed(pages, published)
    assert reused == [build / "review-2025-01.pdf"]
    assert reused[0].read_bytes() == b"%PDF-january"
    assert [p.name for p in to_print] == ["review-2025-02.html", "review-2025-03.html"]
    again, _ = review_pdf.reuse_printed(pages, published)  # taking it over twice is a no-op
    assert again == reused and reused[0].read_bytes() == b"%PDF-january"


def test_a_page_whose_company_line_changed_is_printed_again(nights):
    published, _, pages = nights
    old = published / "review-2025-01.html"
    old.write_text(old.read_text("utf-8").replace("PT A", "PT B"), "utf-8")
    reused, to_print = review_pdf.reuse_printed(pages, published)
    assert reused == [] and [p.name for p in to_print][0] == "review-2025-01.html"


def test_without_a_published_set_every_month_is_printed(nights):
    _, _, pages = nights
    assert review_pdf.reuse_printed(pages, None) == ([], pages)


def test_a_published_page_without_its_pdf_is_printed_again(nights):
    published, _, pages = nights
    (published / "review-2025-01.pdf").unlink()
    reused, to_print = review_pdf.reuse_printed(pages, published)
    assert reused == [] and to_print == pages


def test_the_night_keeps_unchanged_pdfs_and_prints_the_rest_or_warns(nights, tmp_path, monkeypatch):
    published, build, pages = nights
    monkeypatch.setattr(page_assets, "current_set", lambda reports_dir: published)
    monkeypatch.setattr(review_pdf, "CHROMIUM", tmp_path / "no-chromium")

    warnings: list[str] = []
    context = SimpleNamespace(log=SimpleNamespace(warning=warnings.append))  # what print_reviews uses of a step's

    extra, metadata = page_assets.print_reviews(context, pages)
    assert extra == [build / "review-2025-01.pdf"]
    assert metadata["pdfs"] == 1 and metadata["pdfs_reused"] == 1 and "not installed" in metadata["pdf_warning"]
    assert warnings == [metadata["pdf_warning"]]
    assert sorted(p.name for p in build.glob("*.pdf")) == ["review-2025-01.pdf"], "no stale PDF beside February"
