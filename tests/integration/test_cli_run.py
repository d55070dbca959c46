"""`kinerja run` and `kinerja publish` as a person runs them, in their own process, on a small generated company:
what the console shows (progress by layer, the source table, "Needs attention", the next commands, and no
Dagster log line), the log file that holds Dagster's lines, the tags of the run in the Dagster home, and a publish
that rebuilds the pages from the warehouse without changing it."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.project import forget_settings, generate, point_settings_at

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMPLOYEES = 30  # the smallest company that builds every page
MONTHS = 3
END_PERIOD = "2025-06"
BAD_TRAINING_ROW = "TR9999999,E00001,Bad date,not-a-date,1,1\n"  # start_date cannot be read: one quarantined row
RAW_DAGSTER_LINE = re.compile(r" - nightly_refresh - |STEP_(START|SUCCESS|FAILURE|SKIPPED)")
LAYER_LINE = re.compile(r"^\[\s*\d+/\d+\]\s+\S+(?: \S+)?\s+(?P<layer>[a-z_]+): \d+ step\(s\) finished")


def _kinerja(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "kinerja"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]
    return subprocess.run(
        [*command, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800, env=dict(os.environ)
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from dashboards.publish import current_set, read_status

    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as mp:
        settings = point_settings_at(mp, root, MONTHS)
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        (root / "dagster_home").mkdir()
        mp.delenv("KINERJA_LOG_LEVEL", raising=False)
        generate(settings, employees=EMPLOYEES, months=MONTHS, end_period=END_PERIOD, seed=7)
        with (settings.landing_dir / "hris" / "training.csv").open("a", encoding="utf-8") as f:
            f.write(BAD_TRAINING_ROW)
        run = _kinerja("run", "--no-generate")
        status_after_run = read_status(current_set(settings.reports_dir)) or {}
        overview_after_run = (settings.reports_dir / "overview.html").read_text(encoding="utf-8")
        warehouse_before = _sha256(settings.warehouse_path)
        publish = _kinerja("publish")
        yield {
            "settings": settings,
            "root": root,
            "run": run,
            "publish": publish,
            "status_after_run": status_after_run,
            "overview_after_run": overview_after_run,
            "warehouse_before": warehouse_before,
            "status_after_publish": read_status(current_set(settings.reports_dir)) or {},
        }
    forget_settings()


def _run_id(text: str, kind: str = "nightly_refresh") -> str:
    found = re.search(rf"^{kind} (?:succeeded|FAILED) in [\d.]+ s \(run ([0-9a-f-]{{36}})\)$", text, re.M)
    assert found, text
    return found.group(1)


def test_the_run_succeeds_and_the_console_shows_progress_not_dagsters_lines(project):
    run = project["run"]
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for stream in (run.stdout, run.stderr):
        raw = [line for line in stream.splitlines() if RAW_DAGSTER_LINE.search(line)]
        assert raw == [], raw[:5]
    assert "Traceback" not in run.stderr
    header = next(i for i, line in enumerate(lines) if re.match(r"^nightly_refresh: \d+ steps, ", line))
    end = next(i for i, line in enumerate(lines) if re.match(r"^nightly_refresh: (\d+) of \1 steps ran in ", line))
    layers = [line for line in lines[header + 1 : end] if LAYER_LINE.match(line)]
    assert lines[header + 1 : end] == layers, "between the header and the end only one line per finished layer"
    named = {LAYER_LINE.match(line).group("layer") for line in layers}
    assert {"staging", "canonical", "core", "marts", "reports"} <= named
    assert len(layers) == len(named), "each layer once"
    assert "\r" not in run.stdout, "no redrawing when stdout is not a terminal"


def test_the_run_ends_with_the_source_table_attention_and_next_commands(project):
    out = project["run"].stdout
    after = out[out.index("nightly_refresh succeeded") :]
    table = after.index("source ")
    attention = after.index("\nNeeds attention\n")
    following = after.index("\nNext\n")
    assert table < attention < following
    assert re.search(r"^hris__training\s+1\s+0\s+0\s+", after, re.M)
    assert "  make ui " in after and "  make serve " in after and "http://127.0.0.1:8080/" in after
    assert "KPIs off target in " in after or "every KPI on target" in after
    assert "high-severity findings open: " in after  # the first run recorded: no earlier run to compare with


def test_the_quarantine_count_is_the_quality_pages(project):
    import duckdb

    from dashboards.quality import quarantined_rows

    out = project["run"].stdout
    found = re.search(r"^  ([\d,]+) quarantined row\(s\) in (\d+) source\(s\) \((.*)\) -> (\S+)$", out, re.M)
    assert found, out
    with duckdb.connect(str(project["settings"].warehouse_path), read_only=True) as con:
        expected = quarantined_rows(con)
    assert expected >= 1
    assert int(found.group(1).replace(",", "")) == expected
    assert "hris__training" in found.group(3)
    assert found.group(4) == "http://127.0.0.1:8080/quality.html"


def test_the_log_file_holds_dagsters_lines(project):
    out = project["run"].stdout
    run_id = _run_id(out)
    log = project["root"] / "logs" / f"run-{run_id}.log"
    assert f"Dagster's log of this run: {log}" in out
    text = log.read_text(encoding="utf-8")
    assert f" - nightly_refresh - {run_id} - " in text
    assert "STEP_START" in text and "STEP_SUCCESS" in text and "RUN_SUCCESS" in text


def test_the_run_in_the_dagster_home_says_who_launched_it(project):
    import getpass

    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    run_id = _run_id(project["run"].stdout)
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(project["root"] / "dagster_home")))
    try:
        tags = instance.get_run_by_id(run_id).tags
        assert tags["user"] == getpass.getuser()
        assert tags["kinerja/started_by"] == "cli"
        assert tags["kinerja/command"] == "kinerja run --no-generate"
        publish_runs = [r for r in instance.get_runs() if r.tags.get("kinerja/command") == "kinerja publish"]
        assert len(publish_runs) == 1 and publish_runs[0].tags["user"] == getpass.getuser()
    finally:
        instance.dispose()


def test_publish_republishes_the_pages_without_changing_the_warehouse(project):
    publish = project["publish"]
    assert publish.returncode == 0, publish.stdout + publish.stderr
    assert not [line for line in publish.stdout.splitlines() if RAW_DAGSTER_LINE.search(line)]
    found = re.search(r"^published (\d+) pages from (\S+) in [\d.]+ s: build ([0-9a-f]{8}) \(run (\S+)\)$",
                      publish.stdout, re.M)  # fmt: skip
    assert found, publish.stdout
    before, after = project["status_after_run"], project["status_after_publish"]
    assert after["runId"] == found.group(4) != before["runId"]
    overview = (project["settings"].reports_dir / "overview.html").read_text(encoding="utf-8")
    assert f"run {found.group(3)}" in overview and f"run {before['run']}" not in overview
    assert f"run {before['run']}" in project["overview_after_run"]
    assert _sha256(project["settings"].warehouse_path) == project["warehouse_before"]
    assert (project["root"] / "logs" / f"publish-{found.group(4)}.log").exists()
