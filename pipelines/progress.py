"""What a person sees while Dagster runs a job in this process (``kinerja run``, ``kinerja publish``).

On a terminal, one line redraws itself: a bar, the steps done of all, the step running and the time left. When
the output is not a terminal (a log, cron, a CI job), one short line is printed each time a layer (``staging``,
``canonical``, ``core``, ``marts``, ``reports``, ...: the first part of the asset key) has finished all its
steps. A step that fails is named at once in both cases.

The time left comes from how long each step took the last time (kept in ``<warehouse folder>/logs/
last-run.json``, see ``RunState``); a step with no history counts as the average step, and with no history at
all the estimate is the time per step so far times the steps still to run.

Dagster's own log lines (every event of the run, DEBUG and up unless ``KINERJA_LOG_LEVEL`` says otherwise, with
the stack traces of failures) go to a file, ``<warehouse folder>/logs/<kind>-<run id>.log``, through the
``file`` logger below; every event also stays in the run's event log (``make ui``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg

LOG_DIR_NAME = "logs"
STATE_FILE = "last-run.json"
KEEP_LOGS = 30  # log files kept per kind (run, publish); older ones are removed
BAR_WIDTH = 24
TICK_SECONDS = 1.0  # a terminal line is redrawn this often while a long step runs
MESSAGE_CHARS = 200  # a failed step's error as the console shows it (the log file has all of it)

START = "STEP_START"
SUCCESS = "STEP_SUCCESS"
FAILURE = "STEP_FAILURE"
SKIPPED = "STEP_SKIPPED"
FINISHED = {SUCCESS: "ok", FAILURE: "failed", SKIPPED: "not run"}


@dataclass(frozen=True)
class Step:
    key: str  # the Dagster step key
    layer: str  # first part of the asset key: staging, canonical, core, marts, reports, ...
    label: str  # what the progress line names: the asset (schema.table), or the checks of one


def _asset_label(key: dg.AssetKey) -> str:
    return ".".join(key.path)


def plan_steps(job: dg.JobDefinition, asset_selection: Iterable[dg.AssetKey] | None = None) -> list[Step]:
    """The steps ``job`` (or its subset of ``asset_selection``) executes, in the order the in-process executor
    runs them, each with its layer and a label."""
    from dagster._core.definitions.dependency import NodeHandle
    from dagster._core.execution.api import create_execution_plan

    target = job.get_subset(asset_selection=set(asset_selection)) if asset_selection else job
    plan = create_execution_plan(target)
    layer = target.asset_layer
    steps = []
    for step in plan.get_steps_to_execute_in_topo_order():
        assets_def = layer.get_assets_def_for_node(NodeHandle.from_string(step.key))
        keys = sorted(assets_def.keys, key=lambda k: k.path) if assets_def is not None else []
        checks = sorted(assets_def.check_keys, key=lambda k: k.asset_key.path) if assets_def is not None else []
        if len(keys) == 1:
            label, first = _asset_label(keys[0]), keys[0]
        elif keys:
            label, first = step.key, keys[0]
        elif checks:
            first = checks[0].asset_key
            label = f"checks of {_asset_label(first)}"
        else:
            label, first = step.key, None
        steps.append(Step(step.key, first.path[0] if first is not None and len(first.path) > 1 else "other", label))
    return steps


def duration_text(seconds: float | None) -> str:
    """``42 s``, ``2m 05s``, ``1h 03m``."""
    if seconds is None:
        return "?"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def log_dir(warehouse_path: Path) -> Path:
    """Where the run logs and ``last-run.json`` live: ``logs/`` beside the warehouse (``data/logs``)."""
    return warehouse_path.parent / LOG_DIR_NAME


def log_path(warehouse_path: Path, kind: str, run_id: str) -> Path:
    return log_dir(warehouse_path) / f"{kind}-{run_id}.log"


def prune_logs(folder: Path, kind: str, keep: int = KEEP_LOGS) -> list[Path]:
    """Remove all but the newest ``keep`` logs of ``kind``; return what was removed."""
    logs = sorted(folder.glob(f"{kind}-*.log"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    for old in logs[keep:]:
        old.unlink(missing_ok=True)
    return logs[keep:]


# Handlers of the file loggers of this process, by path, so that the file is closed when the run ends.
_FILE_HANDLERS: dict[str, logging.Handler] = {}


@dg.logger(
    {
        "path": dg.Field(str, description="The file the run's log lines are appended to."),
        "log_level": dg.Field(str, is_required=False, default_value="DEBUG", description="The threshold."),
    },
    description="Writes the run's log lines (the format of Dagster's console logger) to a file.",
)
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    from dagster._utils.log import default_date_format_string, default_format_string

    config = init_context.logger_config
    level = logging.getLevelName(str(config["log_level"]).upper())
    logger = logging.Logger("dagster", level=level if isinstance(level, int) else logging.INFO)
    path = Path(config["path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(default_format_string(), default_date_format_string()))
    logger.addHandler(handler)
    _FILE_HANDLERS[str(path)] = handler
    return logger


def close_log(path: Path) -> None:
    handler = _FILE_HANDLERS.pop(str(path), None)
    if handler is not None:
        handler.close()


@dataclass
class RunState:
    """``last-run.json``: the step durations of the last run of each kind (the next estimate), and fingerprints
    of the high-severity findings open after the last ``kinerja run`` (what is new tonight). Fingerprints are
    SHA-256 digests of the finding ids, so the file names no employee."""

    path: Path
    data: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> RunState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return cls(path, data if isinstance(data, dict) else {})

    def durations(self, kind: str) -> dict[str, float]:
        found = self.data.get("durations", {}).get(kind, {})
        return {k: float(v) for k, v in found.items() if isinstance(v, int | float)}

    def set_durations(self, kind: str, durations: dict[str, float], run_id: str) -> None:
        self.data.setdefault("durations", {})[kind] = {k: round(v, 3) for k, v in sorted(durations.items())}
        self.data.setdefault("runs", {})[kind] = {"run_id": run_id, "at": dt.datetime.now().isoformat("T", "seconds")}

    def findings(self) -> set[str] | None:
        found = self.data.get("high_findings")
        return set(found["sha256"]) if isinstance(found, dict) and isinstance(found.get("sha256"), list) else None

    def set_findings(self, fingerprints: Iterable[str], run_id: str) -> None:
        self.data["high_findings"] = {"run_id": run_id, "sha256": sorted(set(fingerprints))}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)


def _failure_text(event) -> str:
    """One line for a failed step: the user code's error (the cause of Dagster's wrapper), shortened."""
    data = getattr(event.dagster_event, "step_failure_data", None) if event.dagster_event else None
    error = getattr(data, "error", None)
    while error is not None and error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    if error is None:
        return "failed"
    lines = (error.message or "").strip().splitlines()
    first = lines[0] if lines else ""
    if f"{error.cls_name}: " in first:  # the message already names its class (pydantic.v1...ValidationError: ...)
        first = first.split(f"{error.cls_name}: ", 1)[1]
    text = f"{error.cls_name}: {first}".strip().rstrip(":")
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


class Progress:
    """Follows the step events of one run (``instance.add_event_listener(run_id, progress.on_event)``) and
    shows them on ``out``: one redrawn line when ``tty``, else one line per finished layer."""

    def __init__(
        self,
        title: str,
        steps: list[Step],
        estimates: dict[str, float],
        out: TextIO,
        tty: bool,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
        tick: float | None = TICK_SECONDS,
    ) -> None:
        self.title = title
        self.steps = steps
        self.by_key = {s.key: s for s in steps}
        self.estimates = {k: v for k, v in estimates.items() if k in self.by_key}
        self.out = out
        self.tty = tty
        self.clock = clock
        self.width = width
        self.tick = tick
        self.started_at: float | None = None
        self.running: dict[str, float] = {}
        self.outcome: dict[str, str] = {}
        self.durations: dict[str, float] = {}
        self.failures: dict[str, str] = {}
        self.layer_steps: dict[str, list[str]] = {}
        for step in steps:
            self.layer_steps.setdefault(step.layer, []).append(step.key)
        self.layers_reported: set[str] = set()
        self._current = ""
        self._drawn = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- what is shown -------------------------------------------------------------------------------------------

    def remaining(self, now: float) -> float | None:
        """Seconds left: the last run's durations of the steps not finished (less what a running step has had
        already), an unknown step counting as the average known one; without history, time per step so far."""
        pending = [s.key for s in self.steps if s.key not in self.outcome]
        if not pending:
            return 0.0
        if self.estimates:
            average = sum(self.estimates.values()) / len(self.estimates)
            total = 0.0
            for key in pending:
                estimate = self.estimates.get(key, average)
                if key in self.running:
                    estimate = max(estimate - (now - self.running[key]), 0.0)
                total += estimate
            return total
        if not self.outcome or self.started_at is None:
            return None
        return (now - self.started_at) / len(self.outcome) * len(pending)

    def _columns(self) -> int:
        return self.width or shutil.get_terminal_size((100, 20)).columns

    def line(self, now: float) -> str:
        done, total = len(self.outcome), len(self.steps)
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        left = self.remaining(now)
        eta = "estimating time left" if left is None else f"~{duration_text(left)} left"
        width = len(str(total))
        text = f"[{bar}] {done:>{width}}/{total} {eta:>16}  {self._current}"
        columns = self._columns() - 1
        return text if len(text) <= columns else text[: max(columns - 1, 0)] + "…"

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _draw(self) -> None:
        if not self.tty or self.started_at is None:
            return
        text = self.line(self.clock())
        self._write("\r" + text.ljust(self._drawn))
        self._drawn = len(text)

    def _say(self, text: str) -> None:
        """A line that stays (above the redrawn one on a terminal)."""
        if self.tty and self._drawn:
            self._write("\r" + " " * self._drawn + "\r")
            self._drawn = 0
        self._write(text + "\n")
        self._draw()

    def _elapsed(self, now: float) -> str:
        return duration_text(now - self.started_at) if self.started_at is not None else "0 s"

    def _counter(self) -> str:
        width = len(str(len(self.steps)))
        return f"[{len(self.outcome):>{width}}/{len(self.steps)}]"

    def _layer_line(self, layer: str, now: float) -> str:
        keys = self.layer_steps[layer]
        failed = sum(1 for k in keys if self.outcome.get(k) == "failed")
        skipped = sum(1 for k in keys if self.outcome.get(k) == "not run")
        missing = sum(1 for k in keys if k not in self.outcome)
        notes = [f"{n} {what}" for n, what in ((failed, "failed"), (skipped + missing, "not run")) if n]
        detail = f" ({', '.join(notes)})" if notes else ""
        return f"{self._counter()} {self._elapsed(now):>8}  {layer}: {len(keys)} step(s) finished{detail}"

    # -- events --------------------------------------------------------------------------------------------------

    def begin(self) -> None:
        with self._lock:
            self.started_at = self.clock()
            if self.estimates:
                about = f"about {duration_text(self.remaining(self.started_at))} going by the last run"
            else:
                about = "no earlier run to time it by"
            self._say(f"{self.title}: {len(self.steps)} steps, {about}")
        if self.tty and self.tick:
            self._ticker = threading.Thread(target=self._tick, name="kinerja-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.tick):
            with self._lock:
                self._draw()

    def on_event(self, event) -> None:
        """The instance's event listener: step starts and ends move the progress. Showing progress never stops a
        run: an error here is dropped (the run's own log and event log are unaffected)."""
        with contextlib.suppress(Exception):  # a display problem must not fail the step that emitted the event
            self._on_event(event)

    def _on_event(self, event) -> None:
        dagster_event = getattr(event, "dagster_event", None)
        kind = getattr(dagster_event, "event_type_value", None)
        key = getattr(event, "step_key", None)
        if kind not in (START, *FINISHED) or key not in self.by_key:
            return
        with self._lock:
            now = self.clock()
            if self.started_at is None:
                self.started_at = now
            if kind == START:
                self.running[key] = now
                self._current = self.by_key[key].label
                self._draw()
                return
            started = self.running.pop(key, None)
            self.outcome[key] = FINISHED[kind]
            if kind != SKIPPED:
                self.durations[key] = now - started if started is not None else 0.0
            if kind == FAILURE:
                self.failures[key] = _failure_text(event)
                self._say(f"FAILED {self.by_key[key].label} ({key}): {self.failures[key]}")
            layer = self.by_key[key].layer
            if layer not in self.layers_reported and all(k in self.outcome for k in self.layer_steps[layer]):
                self.layers_reported.add(layer)
                if not self.tty:
                    self._say(self._layer_line(layer, now))
            self._draw()

    def end(self) -> None:
        """Stop redrawing; say what did not run (a run that stopped early) and how long it all took."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        with self._lock:
            now = self.clock()
            if not self.tty:
                for layer in self.layer_steps:
                    if layer not in self.layers_reported:
                        self.layers_reported.add(layer)
                        self._write(self._layer_line(layer, now) + "\n")
            if self.tty and self._drawn:
                self._write("\r" + " " * self._drawn + "\r")
                self._drawn = 0
            failed = sum(1 for v in self.outcome.values() if v == "failed")
            not_run = len(self.steps) - len(self.outcome) + sum(1 for v in self.outcome.values() if v == "not run")
            notes = [f"{n} {what}" for n, what in ((failed, "failed"), (not_run, "not run")) if n]
            detail = f" ({', '.join(notes)})" if notes else ""
            self._write(
                f"{self.title}: {len(self.steps) - not_run} of {len(self.steps)} steps ran in "
                f"{self._elapsed(now)}{detail}\n"
            )
            self.out.flush()


@contextlib.contextmanager
def following(progress: Progress):
    """Show ``progress`` for the duration of the block (its end line even when the block raises)."""
    progress.begin()
    try:
        yield progress
    finally:
        progress.end()
