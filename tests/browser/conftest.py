"""Shared by every browser test: one small generated company run through the nightly job once per session,
its reports served on 127.0.0.1, and one Chromium (Debian's, driven by Playwright, never downloaded).

The landing files are edited before the run: department D07 is renamed <script>alert(1)</script>, D09 a
spreadsheet formula, and one leave request has a leave type the contract does not allow (it is quarantined).
"""

from __future__ import annotations

import pytest
from fixtures.browser import CHROMIUM, CHROMIUM_ARGS, EMPLOYEES, END_PERIOD, MONTHS, Tab, _edit_landing
from fixtures.project import forget_settings, generate, point_settings_at

from pipelines.dagster_storage import ephemeral_instance


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """Generate, edit, run the nightly job, serve the reports on 127.0.0.1; yield what the tests need."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make browser-deps`")
    import duckdb

    from dashboards.serve import serve_in_thread
    from pipelines.cli import run_nightly
    from pipelines.definitions import build_definitions

    root = tmp_path_factory.mktemp("dashboards")
    # the environment points at the company only while it is built, so later tests read their own settings
    with pytest.MonkeyPatch.context() as mp:
        settings = point_settings_at(mp, root, MONTHS)
        generate(settings, employees=EMPLOYEES, months=MONTHS, end_period=END_PERIOD, seed=7)
        _edit_landing(settings.landing_dir)
        result = run_nightly(instance=ephemeral_instance(), defs=build_definitions())
        assert result.success, "the nightly run failed"
    forget_settings()
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    server, base = serve_in_thread(settings.reports_dir)
    yield {"settings": settings, "con": con, "base": base, "reports": settings.reports_dir, "run_id": result.run_id}
    server.shutdown()
    con.close()


@pytest.fixture(scope="session")
def browser_context(site):
    """One browser and one context for the session: pages share the HTTP cache, so plotly.js is parsed once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        yield context
        context.close()
        chromium.close()


@pytest.fixture
def tab(browser_context, site):
    t = Tab(browser_context, site["base"])
    yield t
    t.page.close()
