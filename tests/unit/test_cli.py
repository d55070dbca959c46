"""The ``kinerja`` command line a person reads: help that names every default, ``--version``, bad arguments as
one line and exit code 2, the progress of a run (pipelines/progress.py) instead of Dagster's log lines, the log
file, the tags a run carries, and the summary's connection to a warehouse the run left open."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from fixtures.project import settings_from_env

from pipelines.cli import _findings_lines, build_parser, main
from pipelines.dagster_storage import ephemeral_instance
from pipelines.progress import Progress, RunState, Step, duration_text, prune_logs

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _option_help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The help text of one option as --help prints it."""
    formatter = parser._get_formatter()
    return formatter._expand_help(action) if action.help else ""


def kinerja(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


# -- help, version, bad arguments --------------------------------------------------------------------------------


def test_every_option_of_every_subcommand_names_its_default():
    parser = build_parser()
    commands = _subcommands(parser)
    assert {"generate", "run", "publish", "validate-contracts", "draft-contract", "load", "status", "accept"} <= set(
        commands
    )
    checked = 0
    for name, sub in commands.items():
        for action in sub._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            text = _option_help(sub, action)
            assert "(default: " in text or "(required)" in text, f"kinerja {name} {action.option_strings[0]}: {text!r}"
            checked += 1
        rendered = sub.format_help()
        assert "``" not in rendered and "`" not in rendered and "%(" not in rendered, f"kinerja {name} --help"
    assert checked >= 9  # generate 4, run 1, draft-contract 4, load 1
    top = parser.format_help()
    assert "``" not in top and "`" not in top


def test_help_shows_the_default_values():
    generate = _subcommands(build_parser())["generate"].format_help()
    assert "(default: 400)" in generate and "(default: 36)" in generate and "(default: 42)" in generate
    assert "(default: the last full month)" in generate
    assert "(default: off)" in _subcommands(build_parser())["run"].format_help()
    assert "(required)" in _subcommands(build_parser())["load"].format_help()


def test_version_prints_the_installed_version():
    done = kinerja("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"kinerja {version('kinerja')}"


@pytest.mark.parametrize(
    "args, says",
    [
        (["generate", "--end-period", "2026-13"], "'2026-13' is not a month: use YYYY-MM"),
        (["generate", "--end-period", "2026-1"], "'2026-1' is not a month"),
        (["generate", "--employees", "many"], "'many' is not a whole number"),
        (["generate", "--employees", "5"], "5 is less than 20"),
        (["generate", "--months", "1.5"], "'1.5' is not a whole number"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
        (["run", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_code_2(args, says, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert says in lines[0] and lines[0].startswith("kinerja")


def test_a_bad_argument_in_a_process_has_no_traceback():
    done = kinerja("generate", "--end-period", "2026-13")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("kinerja generate: error: argument --end-period: '2026-13' is not a month")


def test_a_valid_month_passes_the_argument_type():
    args = build_parser().parse_args(["generate", "--end-period", "2025-06", "--employees", "20"])
    assert args.end_period == "2025-06" and args.employees == 20


# -- the progress display ----------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def event(kind: str, key: str, error: str | None = None):
    data = None
    if error is not None:
        cause = SimpleNamespace(cls_name="ValueError", message=error, cause=None)
        wrapper = SimpleNamespace(cls_name="DagsterExecutionStepExecutionError", message="Error occurred", cause=cause)
        data = SimpleNamespace(error=wrapper)
    return SimpleNamespace(step_key=key, dagster_event=SimpleNamespace(event_type_value=kind, step_failure_data=data))


STEPS = [
    Step("staging__a", "staging", "staging.a"),
    Step("staging__b", "staging", "staging.b"),
    Step("core__c", "core", "core.c"),
    Step("reports__d", "reports", "reports.d"),
]


def test_without_a_terminal_one_line_per_finished_layer_and_each_failure():
    out, clock = io.StringIO(), Clock()
    progress = Progress("nightly_refresh", STEPS, {}, out, tty=False, clock=clock, tick=None)
    progress.begin()
    for key, seconds in (("staging__a", 2), ("staging__b", 3)):
        progress.on_event(event("STEP_START", key))
        clock.now += seconds
        progress.on_event(event("STEP_SUCCESS", key))
    progress.on_event(event("STEP_START", "core__c"))
    clock.now += 1
    progress.on_event(event("STEP_FAILURE", "core__c", error="division by zero\nmore detail"))
    progress.on_event(event("STEP_SKIPPED", "reports__d"))
    progress.on_event(event("ASSET_MATERIALIZATION", "staging__a"))  # not a step event: ignored
    progress.end()
    lines = out.getvalue().splitlines()
    assert lines == [
        "nightly_refresh: 4 steps, no earlier run to time it by",
        "[2/4]      5 s  staging: 2 step(s) finished",
        "FAILED core.c (core__c): ValueError: division by zero",
        "[3/4]      6 s  core: 1 step(s) finished (1 failed)",
        "[4/4]      6 s  reports: 1 step(s) finished (1 not run)",
        "nightly_refresh: 3 of 4 steps ran in 6 s (1 failed, 1 not run)",
    ]
    assert "\r" not in out.getvalue()
    assert progress.durations == {"staging__a": 2, "staging__b": 3, "core__c": 1}


def test_a_run_that_stops_early_says_what_did_not_run():
    out, clock = io.StringIO(), Clock()
    progress = Progress("publish", STEPS, {}, out, tty=False, clock=clock, tick=None)
    progress.begin()
    progress.on_event(event("STEP_START", "staging__a"))
    progress.on_event(event("STEP_SUCCESS", "staging__a"))
    progress.end()
    lines = out.getvalue().splitlines()
    assert "[1/4]      0 s  staging: 2 step(s) finished (1 not run)" in lines
    assert lines[-1] == "publish: 1 of 4 steps ran in 0 s (3 not run)"


def test_on_a_terminal_one_line_is_redrawn_with_bar_step_and_time_left():
    out, clock = io.StringIO(), Clock()
    estimates = {"staging__a": 10.0, "staging__b": 20.0, "core__c": 30.0, "reports__d": 40.0}
    progress = Progress("nightly_refresh", STEPS, estimates, out, tty=True, clock=clock, width=120, tick=None)
    progress.begin()
    assert out.getvalue().startswith("nightly_refresh: 4 steps, about 1m 40s going by the last run\n")
    progress.on_event(event("STEP_START", "staging__a"))
    clock.now += 4
    progress.on_event(event("STEP_SUCCESS", "staging__a"))
    progress.on_event(event("STEP_START", "staging__b"))
    clock.now += 5  # 15 s of its 20 s left, then 30 + 40
    assert progress.remaining(clock.now) == 85.0
    progress._draw()
    drawn = out.getvalue().rsplit("\r", 1)[1]
    assert drawn.startswith("[######------------------] 1/4")
    assert "~1m 25s left" in drawn and drawn.rstrip().endswith("staging.b")
    progress.on_event(event("STEP_FAILURE", "staging__b", error="boom"))
    assert "\nFAILED staging.b (staging__b): ValueError: boom\n" in out.getvalue().replace("\r", "\n")
    progress.end()
    text = out.getvalue()
    assert text.endswith("nightly_refresh: 2 of 4 steps ran in 9 s (1 failed, 2 not run)\n")
    assert "staging: 2 step(s) finished" not in text  # a terminal gets the bar, not the layer lines


def test_on_a_terminal_the_line_is_redrawn_while_a_long_step_runs():
    import time

    out = io.StringIO()
    progress = Progress("nightly_refresh", STEPS, {"staging__a": 60.0}, out, tty=True, width=100, tick=0.01)
    progress.begin()
    progress.on_event(event("STEP_START", "staging__a"))
    drawn = out.getvalue().count("\r")
    time.sleep(0.2)
    progress.end()
    assert out.getvalue().count("\r") > drawn + 3  # the time left moves on without a new event
    assert out.getvalue().endswith("nightly_refresh: 0 of 4 steps ran in 0 s (4 not run)\n")


def test_time_left_without_history_comes_from_the_step_count():
    out, clock = io.StringIO(), Clock()
    progress = Progress("nightly_refresh", STEPS, {}, out, tty=True, clock=clock, width=80, tick=None)
    progress.begin()
    assert progress.remaining(clock.now) is None
    assert "estimating time left" in progress.line(clock.now)
    progress.on_event(event("STEP_START", "staging__a"))
    clock.now += 6
    progress.on_event(event("STEP_SUCCESS", "staging__a"))
    assert progress.remaining(clock.now) == 18.0  # 6 s a step, 3 steps to go
    assert len(progress.line(clock.now)) <= 79


def test_an_unknown_step_counts_as_the_average_known_one():
    progress = Progress("x", STEPS, {"staging__a": 10.0, "core__c": 20.0}, io.StringIO(), tty=False, tick=None)
    assert progress.remaining(0.0) == 10 + 15 + 20 + 15


def test_a_broken_event_never_fails_the_run():
    progress = Progress("x", STEPS, {}, io.StringIO(), tty=False, tick=None)
    progress.on_event(SimpleNamespace(step_key="staging__a", dagster_event=SimpleNamespace(event_type_value=None)))
    progress.on_event(object())
    progress.begin()
    progress.on_event(event("STEP_SUCCESS", "staging__a"))  # no start seen: a zero duration
    assert progress.durations == {"staging__a": 0.0}


def test_durations_read_as_humans_read_them():
    assert [duration_text(s) for s in (None, 0.4, 42, 125, 3720)] == ["?", "0 s", "42 s", "2m 05s", "1h 02m"]


def test_run_state_keeps_durations_and_finding_fingerprints(tmp_path):
    path = tmp_path / "logs" / "last-run.json"
    state = RunState.load(path)
    assert state.durations("run") == {} and state.findings() is None
    state.set_durations("run", {"a": 1.23456}, "r1")
    state.set_findings(["f2", "f1", "f1"], "r1")
    state.save()
    again = RunState.load(path)
    assert again.durations("run") == {"a": 1.235} and again.durations("publish") == {}
    assert again.findings() == {"f1", "f2"}
    path.write_text("not json", encoding="utf-8")
    assert RunState.load(path).data == {}


def test_old_logs_are_pruned(tmp_path):
    for i in range(5):
        (tmp_path / f"run-{i}.log").write_text("x")
    (tmp_path / "publish-9.log").write_text("x")
    removed = prune_logs(tmp_path, "run", keep=2)
    assert len(removed) == 3
    assert len(list(tmp_path.glob("run-*.log"))) == 2 and (tmp_path / "publish-9.log").exists()


def test_new_findings_are_those_not_open_after_the_last_run():
    settings = SimpleNamespace(reports_base_url="http://reports.example:9000/")
    found = {"h1": ("control", "ghost_employee"), "h2": ("control", "ghost_employee"), "h3": ("compliance", "thr")}
    first = _findings_lines(found, None, settings)
    assert first[0].startswith("high-severity findings open: 3 (control 2, compliance 1; no earlier `kinerja run`")
    assert first[0].endswith("-> http://reports.example:9000/controls.html")
    assert first[1] == "  by rule: ghost_employee 2, thr 1"
    tonight = _findings_lines(found, {"h1", "h3", "gone"}, settings)
    assert tonight[0].startswith("new high-severity findings tonight: 1 (control 1) of 3 open")
    assert tonight[1] == "  by rule: ghost_employee 1"
    assert _findings_lines(found, {"h1", "h2", "h3"}, settings) == []


# -- a run in this process: tags, log file, progress -------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A job named nightly_refresh of two assets (one fails when asked), with settings pointed at tmp_path."""
    import dagster as dg

    @dg.asset(key=["staging", "people"])
    def people(context) -> None:
        context.log.info("staged the people")

    @dg.asset(key=["marts", "headcount"], deps=[people])
    def headcount() -> None:
        if (tmp_path / "fail").exists():
            raise ValueError("headcount cannot be computed")

    defs = dg.Definitions(assets=[people, headcount], jobs=[dg.define_asset_job("nightly_refresh")])
    with settings_from_env(monkeypatch, WAREHOUSE_PATH=tmp_path / "warehouse.duckdb", REPORTS_DIR=tmp_path / "reports"):
        yield SimpleNamespace(defs=defs, root=tmp_path, instance=ephemeral_instance())


def test_a_run_shows_progress_and_writes_dagsters_lines_to_its_log_file(tiny):
    from pipelines.cli import run_log, run_nightly
    from pipelines.settings import get_settings

    out = io.StringIO()
    result = run_nightly(instance=tiny.instance, defs=tiny.defs, out=out, command="kinerja run --no-generate")
    assert result.success
    shown = out.getvalue()
    lines = shown.splitlines()
    assert len(lines) == 4, shown
    assert lines[0] == "nightly_refresh: 2 steps, no earlier run to time it by"
    assert lines[1].startswith("[1/2]") and lines[1].endswith("staging: 1 step(s) finished")
    assert lines[2].startswith("[2/2]") and lines[2].endswith("marts: 1 step(s) finished")
    assert lines[3].startswith("nightly_refresh: 2 of 2 steps ran in")
    assert " - nightly_refresh - " not in shown and "STEP_" not in shown
    log = run_log(get_settings(), result.run_id)
    assert log == tiny.root / "logs" / f"run-{result.run_id}.log"
    text = log.read_text(encoding="utf-8")
    assert f" - nightly_refresh - {result.run_id} - " in text
    assert "STEP_START" in text and "STEP_SUCCESS" in text and "staged the people" in text
    # the events stay in the run's event log too
    stored = [e.dagster_event.event_type_value for e in tiny.instance.all_logs(result.run_id) if e.dagster_event]
    assert stored.count("STEP_SUCCESS") == 2
    state = json.loads((tiny.root / "logs" / "last-run.json").read_text(encoding="utf-8"))
    assert set(state["durations"]["run"]) == {"staging__people", "marts__headcount"}
    # the next run is timed by this one
    out = io.StringIO()
    run_nightly(instance=tiny.instance, defs=tiny.defs, out=out)
    assert "going by the last run" in out.getvalue().splitlines()[0]


def test_a_failed_step_is_named_on_the_console_with_its_traceback_only_in_the_log(tiny):
    from pipelines.cli import run_log, run_nightly
    from pipelines.settings import get_settings

    (tiny.root / "fail").touch()
    out = io.StringIO()
    result = run_nightly(instance=tiny.instance, defs=tiny.defs, out=out)
    assert not result.success
    shown = out.getvalue()
    assert "FAILED marts.headcount (marts__headcount): ValueError: headcount cannot be computed" in shown
    assert "Traceback" not in shown and "Stack Trace" not in shown
    assert "Stack Trace" in run_log(get_settings(), result.run_id).read_text(encoding="utf-8")


def test_a_run_carries_who_launched_it_and_the_command(tiny):
    import getpass

    from pipelines.cli import COMMAND_TAG, STARTED_BY_TAG, USER_TAG, run_nightly

    result = run_nightly(instance=tiny.instance, defs=tiny.defs, command="kinerja run --no-generate")
    tags = tiny.instance.get_run_by_id(result.run_id).tags
    assert tags[STARTED_BY_TAG] == "cli"
    assert tags[COMMAND_TAG] == "kinerja run --no-generate"
    assert tags[USER_TAG] == getpass.getuser()
    assert USER_TAG == "user"  # the tag the Dagster UI's "Launched by" shows for a run started by hand
    assert tags["kinerja/pid"].isdigit() and tags["kinerja/host"]


def test_the_ui_reads_the_user_tag_for_launched_by():
    """The tag is the one the installed Dagster UI shows under "Launched by" (its run tag enum: User = "user")."""
    import dagster_webserver

    chunks = Path(dagster_webserver.__file__).parent / "webapp" / "build" / "_next" / "static" / "chunks"
    bundles = [p.read_text(encoding="utf-8", errors="ignore") for p in chunks.glob("*.js")]
    assert any('.User="user"' in text and "Launched by" in text for text in bundles)


def test_the_command_line_becomes_the_runs_command_tag(tiny, monkeypatch):
    import pipelines.cli as cli

    seen = {}

    def fake_run(args):
        seen["command"] = args.command_line
        return 0

    monkeypatch.setattr(cli, "cmd_publish", fake_run)
    assert cli.main(["publish"]) == 0
    assert seen["command"] == "kinerja publish"


# -- the summary after a run -------------------------------------------------------------------------------------


def test_the_summary_reads_a_warehouse_a_failed_step_left_open(tmp_path, monkeypatch, capsys):
    """A step that fails inside ``with duckdb.get_connection()`` leaves its connection open (dagster_duckdb closes
    it only on success): the summary then opens the warehouse with the run's exact configuration."""
    from assets.ingest.manifest import ensure_schemas
    from pipelines.cli import _run_connection_config, print_load_summary
    from pipelines.settings import get_settings

    warehouse = tmp_path / "warehouse.duckdb"
    with settings_from_env(monkeypatch, WAREHOUSE_PATH=warehouse):
        held = duckdb.connect(str(warehouse), config=_run_connection_config(get_settings()))
        ensure_schemas(held)
        held.execute(
            "insert into meta.load_manifest (file_sha256, contract, source_path, rows_read, rows_staged, "
            "rows_quarantined, status, loaded_at) values ('a1', 'hris__employees', 'e.csv', 3, 2, 1, 'loaded', ?)",
            [dt.datetime(2026, 1, 1)],
        )
        with pytest.raises(duckdb.ConnectionException):
            duckdb.connect(str(warehouse), read_only=True)
        assert print_load_summary(warehouse) == (0, 0)
        assert "hris__employees" in capsys.readouterr().out
        held.close()


def test_publish_without_a_warehouse_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    with settings_from_env(monkeypatch, WAREHOUSE_PATH=tmp_path / "none.duckdb"):
        assert main(["publish"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no warehouse at" in err and "kinerja run" in err
