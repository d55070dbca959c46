"""The monthly reviews as PDF files beside their pages (``review-2025-06.pdf``), printed by Chromium from the pages
the run has just written: Debian's ``/usr/bin/chromium`` driven by Playwright's Python package (never a browser
Playwright downloads). A4, as the print stylesheet lays it out: the page title at the top of every page and
"Page n of N" at the bottom (CSS page margin boxes, kinerja.css and base.html).

One browser prints every month whose page changed. A month whose page is the same as in the published set, but
for the line naming its build and the data's freshness line, keeps the PDF printed then (linked into the new
build): its figures are the ones printed then, and its header and footer say as of which load and by which night.
So a night over the same data (a rerun, a night with no new file) prints nothing again, and a night that loads a
new month prints that month and the months whose figures it changed, not every month.
A machine without Chromium (or without Playwright) gets no new PDF and a warning; the pages are published all
the same."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path(os.environ.get("KINERJA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
REVIEW_PAGE = re.compile(r"review-\d{4}-\d{2}\.html")
# what differs between two nights' pages of a month whose figures did not change: the line naming the build
# (dashboards/render.rendered_line) and the freshness line of the header (the last load, the latest month)
BETWEEN_NIGHTS = re.compile(rb"<p data-built>[^<]*</p>|<span class=\"freshness\" data-freshness>[^<]*</span>")
READY_MS = 10_000  # a page's script marks it ready (body[data-ready]) well within this


@dataclass
class Printed:
    """What a print run wrote, how long it took, and why it wrote less than asked (None when it did not)."""

    pdfs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    warning: str | None = None


def review_pages(pages: list[Path]) -> list[Path]:
    """The monthly review pages among ``pages`` (not the index)."""
    return [p for p in pages if REVIEW_PAGE.fullmatch(p.name)]


def pdf_path(page: Path) -> Path:
    return page.with_suffix(".pdf")


def _figures(page: Path) -> bytes | None:
    try:
        return BETWEEN_NIGHTS.sub(b"", page.read_bytes())
    except OSError:
        return None


def reuse_printed(pages: list[Path], previous: Path | None) -> tuple[list[Path], list[Path]]:
    """``(reused, to_print)``: the PDFs taken over from ``previous`` (the published set) for pages that are the
    same there but for the build and freshness lines, linked beside the pages; and the pages that still need
    printing."""
    from dashboards.publish import link_or_copy

    reused: list[Path] = []
    to_print: list[Path] = []
    for page in pages:
        old_page = previous / page.name if previous is not None else None
        old_pdf = pdf_path(old_page) if old_page is not None else None
        content = _figures(page)
        if old_pdf is None or not old_pdf.is_file() or content is None or _figures(old_page) != content:
            to_print.append(page)
            continue
        target = pdf_path(page)
        if not (target.exists() and target.samefile(old_pdf)):
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.unlink(missing_ok=True)
            link_or_copy(old_pdf, temporary)
            os.replace(temporary, target)
        reused.append(target)
    return reused, to_print


def print_pages(pages: list[Path], chromium: Path | None = None, browser=None) -> Printed:
    """Print every page of ``pages`` (HTML files in a reports folder) to a PDF beside it, with one browser:
    ``browser`` (a Playwright browser) when given, else Chromium started here. Never raises for a browser that
    is missing or fails: the result says what was not printed, and a page not printed has no PDF beside it (not
    the PDF of an earlier version of the page)."""
    done = _print(pages, chromium, browser)
    for page in pages:
        if pdf_path(page) not in done.pdfs:
            pdf_path(page).unlink(missing_ok=True)
    return done


def _print(pages: list[Path], chromium: Path | None, browser) -> Printed:
    done = Printed()
    if not pages:
        return done
    if browser is not None:
        try:
            return _print_with(browser, pages, done)
        except Exception as exc:  # noqa: BLE001 - a page that cannot be printed: the others' PDFs stand
            done.warning = f"the monthly reviews were not all printed to PDF ({len(done.pdfs)} of {len(pages)}): {exc}"
            return done
    chromium = chromium or CHROMIUM
    if not chromium.exists():
        done.warning = f"no PDF of the monthly reviews: {chromium} is not installed (`make browser-deps` installs it)"
        return done
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        done.warning = "no PDF of the monthly reviews: the playwright package is not installed"
        return done
    started = time.perf_counter()
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            try:
                _print_with(launched, pages, done)
            finally:
                launched.close()
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start: the night goes on without PDFs
        done.warning = f"the monthly reviews were not all printed to PDF ({len(done.pdfs)} of {len(pages)}): {exc}"
    done.seconds = time.perf_counter() - started
    return done


def _print_with(browser, pages: list[Path], done: Printed) -> Printed:
    from dashboards.plotlyjs import write_atomic

    started = time.perf_counter()
    context = browser.new_context(java_script_enabled=True, offline=True)
    try:
        tab = context.new_page()
        for page in pages:
            tab.goto(page.resolve().as_uri(), wait_until="load")
            tab.wait_for_selector("body[data-ready='1']", state="attached", timeout=READY_MS)
            pdf = tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            target = pdf_path(page)
            write_atomic(target, pdf)
            done.pdfs.append(target)
    finally:
        context.close()
    done.seconds += time.perf_counter() - started
    return done
