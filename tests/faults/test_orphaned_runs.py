"""Defect: after a `kill -9` of `kinerja run`, the run stayed STARTED in the instance for ever, and with
`max_concurrent_runs: 1` no schedule, sensor or UI run ever left the queue. Now the run records its process, and
a run whose process is gone is marked failed (by the next `kinerja run` and by a sensor), so the queue moves."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.orphans import clear_orphaned_runs, orphaned_runs_sensor, owner_tags

ROOT = Path(__file__).resolve().parents[2]
IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.QUEUED]

SCRIPT = """
    import time
    from pathlib import Path

    import dagster as dg

    from pipelines.orphans import owner_tags

    @dg.op
    def long_step():
        Path({started!r}).write_text("started")
        time.sleep(120)

    @dg.job
    def nightly_like():
        long_step()

    nightly_like.execute_in_process(instance=dg.DagsterInstance.get(), tags=owner_tags())
"""


@dg.op
def quick_step():
    return 1


@dg.job
def next_night():
    quick_step()


@pytest.fixture
def instance_home(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "config" / "dagster.yaml", home / "dagster.yaml")  # max_concurrent_runs: 1
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_a_killed_run_is_marked_failed_and_the_next_one_runs(instance_home, tmp_path):
    started = tmp_path / "started"
    script = tmp_path / "night.py"
    script.write_text(textwrap.dedent(SCRIPT.format(started=str(started))), encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env={**os.environ})
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert child.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run did not start"
            time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()

    with dg.DagsterInstance.get() as instance:
        stuck = instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS))
        assert [r.status for r in stuck] == [dg.DagsterRunStatus.STARTED], "the killed run stays STARTED"
        # with max_concurrent_runs 1 this STARTED run would keep every queued run waiting
        assert clear_orphaned_runs(instance) == [stuck[0].run_id]
        run = instance.get_run_by_id(stuck[0].run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        messages = [e.message for e in instance.all_logs(run.run_id) if e.message]
        assert any("is gone (killed or crashed)" in m for m in messages)
        assert instance.get_runs_count(filters=dg.RunsFilter(statuses=IN_PROGRESS)) == 0, "the queue is free"
        result = next_night.execute_in_process(instance=instance, tags=owner_tags())
        assert result.success
        assert clear_orphaned_runs(instance) == [], "a finished run and a live process are left alone"


def test_the_sensor_clears_what_the_cli_would(instance_home):
    with dg.DagsterInstance.get() as instance:
        run = instance.create_run_for_job(
            next_night, tags={"kinerja/pid": "999999999", "kinerja/host": os.uname().nodename}
        )
        instance.report_run_failed  # noqa: B018 - the API the sensor uses exists on this instance
        instance.handle_run_event(run.run_id, _started_event(run))
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
        context = dg.build_sensor_context(instance=instance)
        skip = orphaned_runs_sensor(context)
        assert "marked failed 1 run(s)" in skip.skip_message
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE


def _started_event(run):
    from dagster._core.events import DagsterEvent, DagsterEventType

    return DagsterEvent(event_type_value=DagsterEventType.RUN_START.value, job_name=run.job_name, message="started")
