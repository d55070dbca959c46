"""Runs whose process is gone: marked failed, so a killed night never blocks the next one.

A run executed in-process (``kinerja run``, tests) records the process that owns it in its tags. When that
process is killed (``kill -9``, a machine that lost power), the run stays STARTED in the instance for ever, and
with ``max_concurrent_runs: 1`` no schedule, sensor or UI run ever leaves the queue: Dagster's run monitoring
only watches runs started by a run launcher. ``clear_orphaned_runs`` finds the runs of this host whose process
no longer exists and reports them failed with a message; ``kinerja run`` calls it first, and the
``orphaned_runs_sensor`` does it every minute wherever the daemon runs (``make ui`` starts one).
"""

from __future__ import annotations

import os
import socket

import dagster as dg

PID_TAG = "kinerja/pid"
HOST_TAG = "kinerja/host"
ACTIVE = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def owner_tags() -> dict[str, str]:
    """Tags naming the process that executes a run in-process."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (signal 0 checks without touching it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def clear_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every active run of this host whose owning process is gone; return their run ids."""
    host = socket.gethostname()
    cleared = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE)):
        pid = run.tags.get(PID_TAG)
        if pid is None or run.tags.get(HOST_TAG) != host or not pid.isdigit() or process_alive(int(pid)):
            continue
        instance.report_run_failed(
            run,
            message=f"The process {pid} that executed this run on {host} is gone (killed or crashed); the run is "
            "marked failed so that queued runs can start. Rerun the job: every step is idempotent.",
        )
        cleared.append(run.run_id)
    return cleared


@dg.sensor(
    name="orphaned_runs_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose process was killed, so the one-at-a-time queue keeps moving.",
)
def orphaned_runs_sensor(context: dg.SensorEvaluationContext):
    cleared = clear_orphaned_runs(context.instance)
    if cleared:
        return dg.SkipReason(f"marked failed {len(cleared)} run(s) whose process is gone: {', '.join(cleared)}")
    return dg.SkipReason("no run without its process")
