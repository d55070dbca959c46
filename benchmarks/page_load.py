"""Page sizes and load times of the published dashboards in headless Chromium (a benchmark, not a test).

    .venv/bin/python benchmarks/page_load.py [--reports data/reports] [--runs 3]

Serves the reports folder on 127.0.0.1, opens every page in a fresh browser context (cold cache: plotly.js
is parsed again each time), then once more in the same context (warm: plotly.js cached, as when a manager
moves between pages), and prints, per page, the HTML size and the time from navigation until the page's
script has drawn everything, charts included (``body[data-charts]``), median of ``--runs``; beside it the
browser's first contentful paint and the moment the cards and tables were drawn (before plotly.js is parsed).
Uses Debian's chromium (`make browser-deps`); Playwright downloads nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboards.serve import serve_in_thread  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
MARKS = (
    "(() => { const p = performance.getEntriesByName('first-contentful-paint')[0];"
    " return [p ? p.startTime : null, (window.Kinerja && Kinerja.contentMs) || null]; })()"
)


def measure(reports: Path, runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    server, base = serve_in_thread(reports)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first = browser.new_context()  # the first launch pays for process start-up; keep it out of the figures
            first.new_page().goto(base + "overview.html")
            first.close()
            for page_path in sorted(reports.glob("*.html")):
                ready, warm, fcp, content, outside = [], [], [], [], set()
                for _ in range(runs):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.on("request", lambda r, seen=outside: seen.add(r.url) if not r.url.startswith(base) else None)
                    started = time.perf_counter()
                    page.goto(base + page_path.name)
                    page.wait_for_selector("body[data-charts='1']", state="attached", timeout=30_000)
                    ready.append((time.perf_counter() - started) * 1000)
                    paint, drawn = page.evaluate(MARKS)
                    fcp.append(paint or 0)
                    content.append(drawn or 0)
                    # a manager moving between pages: plotly.js is cached (and its compiled code with it)
                    started = time.perf_counter()
                    page.goto(base + page_path.name)
                    page.wait_for_selector("body[data-charts='1']", state="attached", timeout=30_000)
                    warm.append((time.perf_counter() - started) * 1000)
                    context.close()
                results.append(
                    {
                        "page": page_path.name,
                        "bytes": page_path.stat().st_size,
                        "outside": sorted(outside),
                        "ready_ms": statistics.median(ready),
                        "warm_ms": statistics.median(warm),
                        "fcp_ms": statistics.median(fcp),
                        "content_ms": statistics.median(content),
                    }
                )
            browser.close()
    finally:
        server.shutdown()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=None, help="reports folder (default: the reports_dir setting)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.reports is None:
        from pipelines.settings import get_settings

        args.reports = get_settings().reports_dir
    if not (args.reports / "overview.html").exists():
        print(f"no reports in {args.reports}: run the nightly job first", file=sys.stderr)
        return 1
    plotly = args.reports / "assets" / "plotly.min.js"
    results = measure(args.reports, args.runs)
    print(
        f"reports: {args.reports}  (shared plotly.min.js {plotly.stat().st_size / 1e6:.2f} MB, median of {args.runs})"
    )
    print(
        f"{'page':24} {'size KB':>8} {'cold: all drawn ms':>19} {'first paint':>12} {'cards+tables':>13}"
        f" {'warm: all drawn ms':>19}  outside requests"
    )
    for r in results:
        print(
            f"{r['page']:24} {r['bytes'] / 1024:>8.1f} {r['ready_ms']:>19.0f} {r['fcp_ms']:>12.0f}"
            f" {r['content_ms']:>13.0f} {r['warm_ms']:>19.0f}  {len(r['outside'])}"
        )
    largest = max(results, key=lambda r: r["bytes"])
    slowest = max(results, key=lambda r: r["ready_ms"])
    print(
        f"largest page {largest['page']} {largest['bytes'] / 1024:.1f} KB; "
        f"slowest page {slowest['page']} {slowest['ready_ms']:.0f} ms cold, {slowest['warm_ms']:.0f} ms warm; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
