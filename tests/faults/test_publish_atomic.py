"""Defect (issue 13, defect 6): pages were written in place. A reader got 0-byte pages while the night published,
a kill left a 0-byte page, and a failed or killed run left pages of two nights side by side. Now each run writes
its pages into a build folder of its own and the reports folder (a link) is switched to it with one rename once
every page is there (dashboards/publish.py); a run that fails or is killed leaves the last complete set, whose
pages then say that the newest night failed (assets/status.js); every page names the run that built it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from faults import small_company as company

from dashboards import publish
from dashboards.render import Site
from pipelines.dagster_storage import ephemeral_instance

ROOT = Path(__file__).resolve().parents[2]
STEPS = ["all"]


def night(con, reports: Path, run_id: str, now: dt.datetime, fail_after: int | None = None) -> list[Path]:
    """What the nightly run does: mark the published set, build every page in the run's folder, publish. With
    ``fail_after``, the run fails after that many pages (a page step raising) and records it."""
    publish.mark_started(reports, run_id, now)
    build = publish.build_dir(reports, run_id)
    site: Site = company.site_for(con, reports, now=now, run_id=run_id, out_dir=build)
    pages = company.render_all(con, site)
    if fail_after is not None:
        for page in pages[fail_after:]:
            page.unlink()  # never written: the step failed before them
        publish.mark_failed(reports, run_id, now, step="reports__payroll")
        raise RuntimeError("a page step failed")
    publish.record_pages(build, "all", pages)
    publish.publish(reports, run_id, now, STEPS)
    return pages


def built_by(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return text.split("<p data-built>", 1)[1].split("</p>", 1)[0]


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    company.build(con)
    yield con
    con.close()


def test_a_page_read_while_the_night_publishes_is_never_empty_nor_partial(warehouse, tmp_path):
    reports = tmp_path / "data" / "reports"
    night(warehouse, reports, "run-0", company.NOW)
    names = ["overview.html", "payroll.html", "hr.html", "review.html", "assets/kinerja.js"]
    reads: list[tuple[str, int, bool]] = []
    problems: list[str] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            for name in names:
                try:
                    data = (reports / name).read_bytes()
                except OSError as exc:
                    problems.append(f"{name}: {exc}")
                    continue
                complete = data.rstrip().endswith(b"</html>") if name.endswith(".html") else len(data) > 1000
                reads.append((name, len(data), complete))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for k in range(1, 5):
            night(warehouse, reports, f"run-{k}", company.NOW + dt.timedelta(days=k))
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert len(reads) > 50
    assert [r for r in reads if r[1] == 0 or not r[2]] == [], "a reader saw an empty or partial file"
    assert reports.is_symlink() and reports.resolve() == publish.build_dir(reports, "run-4").resolve()
    # the set before stays (a page open in a browser keeps its assets); older ones are removed
    assert sorted(p.name for p in publish.builds_root(reports).iterdir()) == ["run-3", "run-4"]


def test_a_failed_night_leaves_the_last_complete_set_and_says_so(warehouse, tmp_path):
    reports = tmp_path / "reports"
    night(warehouse, reports, "good-night", company.NOW)
    before = {p.name: p.read_bytes() for p in reports.glob("*.html")}
    with pytest.raises(RuntimeError):
        night(warehouse, reports, "bad-night", company.NOW + dt.timedelta(days=1), fail_after=3)
    after = {p.name: p.read_bytes() for p in reports.glob("*.html")}
    assert after == before, "every page is the last complete night's"
    assert {built_by(reports / n) for n in before} == {"Page built 2 Jul 2025 06:00 by run good-nig"}
    status = publish.read_status(reports)
    assert status["runId"] == "good-night"
    assert status["newest"]["runId"] == "bad-night" and status["newest"]["state"] == "failed"
    assert status["newest"]["step"] == "reports__payroll" and status["newest"]["startedLabel"] == "3 Jul 2025 06:00"
    # every page loads the status before its script, which shows the banner from it
    assert '<script src="assets/status.js"></script>' in (reports / "overview.html").read_text()
    assert '<script src="assets/status.js"></script>' in (reports / "review-2025-06.html").read_text()
    # publishing the failed run's folder is refused: its pages are incomplete
    with pytest.raises(publish.PublishError):
        publish.publish(reports, "bad-night", company.NOW, ["all"])
    assert {p.name: p.read_bytes() for p in reports.glob("*.html")} == before
    # the next good night replaces the set and the banner, and removes the failed night's folder
    night(warehouse, reports, "next-night", company.NOW + dt.timedelta(days=2))
    assert publish.read_status(reports)["newest"] is None
    assert sorted(p.name for p in publish.builds_root(reports).iterdir()) == ["good-night", "next-night"]


KILLED = """
import datetime as dt, os, signal, sys
sys.path.insert(0, "tests")
import duckdb
from faults import small_company as company
from dashboards import publish
from dashboards.kpi_pages import render_domain, render_overview
from pathlib import Path
reports = Path(sys.argv[1])
con = duckdb.connect()
company.build(con)
publish.mark_started(reports, "killed-night", company.NOW)
site = company.site_for(con, reports, run_id="killed-night", out_dir=publish.build_dir(reports, "killed-night"))
render_overview(con, site)
render_domain(con, site, "hr")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_night_leaves_the_last_complete_set(warehouse, tmp_path):
    reports = tmp_path / "reports"
    night(warehouse, reports, "good-night", company.NOW)
    before = {p.name: p.read_bytes() for p in reports.glob("*.html")}
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert {p.name: p.read_bytes() for p in reports.glob("*.html")} == before
    assert all(size > 0 for size in (p.stat().st_size for p in reports.glob("*.html")))
    status = publish.read_status(reports)
    # no hook ran: the page says the run started; after RUNNING_MINUTES it reads as failed (kinerja.js)
    assert status["newest"]["runId"] == "killed-night" and status["newest"]["state"] == "started"
    assert status["runningMinutes"] == publish.RUNNING_MINUTES
    assert (publish.build_dir(reports, "killed-night") / "overview.html").exists()
    night(warehouse, reports, "next-night", company.NOW + dt.timedelta(days=1))
    assert not publish.build_dir(reports, "killed-night").exists()


def test_an_older_plain_reports_folder_is_replaced_by_the_link(warehouse, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "overview.html").write_text("<html>an older version's page</html>")
    night(warehouse, reports, "first-night", company.NOW)
    assert reports.is_symlink()
    assert "by run first-ni" in built_by(reports / "overview.html")
    legacy = [p for p in publish.builds_root(reports).iterdir() if p.name.startswith("legacy-")]
    assert len(legacy) == 1 and (legacy[0] / "overview.html").read_text() == "<html>an older version's page</html>"
    # the link is relative: the data folder can move
    assert not os.readlink(reports).startswith("/")


# ---------------------------------------------------------------- the nightly job's dashboard steps (Dagster)
@pytest.fixture
def nightly(isolated_settings, tmp_path, monkeypatch):
    """The dashboard assets of the nightly job on the small company's warehouse (what `kinerja run` publishes)."""
    import dagster as dg

    from dashboards.assets import dashboard_assets
    from pipelines.resources import warehouse_resource

    con = duckdb.connect(str(isolated_settings.warehouse_path))
    company.build(con)
    con.close()

    def run(selection=None):
        return dg.materialize(
            dashboard_assets(),
            resources={"duckdb": warehouse_resource(isolated_settings)},
            instance=ephemeral_instance(),
            raise_on_error=False,
            selection=selection,
        )

    return isolated_settings, run


def test_the_nightly_steps_publish_all_pages_at_once_or_none(nightly, monkeypatch):
    settings, run = nightly
    first = run()
    assert first.success
    reports = settings.reports_dir
    assert reports.is_symlink()
    pages = sorted(p.name for p in reports.glob("*.html"))
    assert {"overview.html", "hr.html", "payroll.html", "controls.html", "quality.html", "review.html"} <= set(pages)
    footers = {built_by(reports / name) for name in pages}
    assert len(footers) == 1 and first.run_id[:8] in footers.pop()  # one run, one time, on every page
    manifest = json.loads((reports / publish.BUILD_MARK).read_text())
    assert manifest["run_id"] == first.run_id and set(pages) <= set(manifest["pages"])

    import dashboards.assets as assets

    def broken(con, site, domain):
        raise RuntimeError("the payroll page failed")

    monkeypatch.setattr(assets, "render_domain", broken)
    second = run()
    assert not second.success
    assert sorted(p.name for p in reports.glob("*.html")) == pages
    assert {built_by(reports / name) for name in pages} == {built_by(reports / "overview.html")}
    assert first.run_id[:8] in built_by(reports / "overview.html")
    status = publish.read_status(reports)
    assert status["runId"] == first.run_id
    assert status["newest"]["runId"] == second.run_id and status["newest"]["state"] == "failed"

    # one page materialized on its own (from the UI): the set it had is published again with that page rebuilt
    monkeypatch.undo()
    import dagster as dg

    third = run(selection=[dg.AssetKey(["reports", "overview"])])
    assert third.success
    assert third.run_id[:8] in built_by(reports / "overview.html")
    assert first.run_id[:8] in built_by(reports / "payroll.html")
    assert sorted(p.name for p in reports.glob("*.html")) == pages
    assert publish.read_status(reports)["newest"] is None
