"""The ``kinerja`` command: generate the demo company, run the nightly job in-process, check contracts, draft a
contract from an export, load one source now, say what the warehouse holds and republish the pages."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import hashlib
import io
import os
import re
import shlex
import sys
import time
import uuid
from functools import partial
from pathlib import Path

from pipelines.settings import SettingsError, apply_file_privacy, get_settings

# `kinerja run` exit codes (README, `kinerja run --help`)
EXIT_RUN_FAILED = 1  # a step failed (an invalid contract, a failed blocking check upstream, an error)
EXIT_SETTINGS = 2  # the settings are invalid
EXIT_FILES_FAILED = 3  # every step ran, but a landed file could not be loaded or was held (kinerja accept)

# Tags of the runs this command starts. ``user`` is the tag the Dagster UI's "Launched by" column shows for a run
# that no schedule, sensor or backfill started; ``kinerja/command`` is the command line that started it.
STARTED_BY_TAG = "kinerja/started_by"
COMMAND_TAG = "kinerja/command"
USER_TAG = "user"
DEFAULT_REPORTS_URL = "http://127.0.0.1:8080"  # `make serve` (REPORTS_PORT)
DAGSTER_UI_URL = "http://127.0.0.1:3000"  # `make ui` (HOST, PORT)
ATTENTION_NAMED = 5  # KPIs, rules and checks "Needs attention" names; the rest are counted

# A failed manifest row stops counting once a later version of its path has loaded (rows written before the
# loader cleared such failures itself).
_NOT_FIXED = """(status <> 'failed' or not exists (
    select 1 from meta.load_manifest f
    where f.contract = m.contract and f.source_path = m.source_path and f.status = 'loaded'
      and f.loaded_at >= m.loaded_at))"""


def _landing_has_files(landing: Path) -> bool:
    return landing.exists() and any(p.is_file() for p in landing.rglob("*"))


def cmd_generate(args: argparse.Namespace) -> int:
    from generator import GeneratorConfig, generate_company

    settings = get_settings()
    config = GeneratorConfig(
        employees=args.employees,
        months=args.months,
        seed=args.seed,
        end_period=args.end_period,
        landing_dir=settings.landing_dir,
        answer_key_dir=settings.answer_key_dir,
    )
    generate_company(config)
    print(f"demo company written to {settings.landing_dir} (answer key in {settings.answer_key_dir})")
    return 0


def launch_tags(command: str | None = None) -> dict[str, str]:
    """Tags of a run this command starts: the owning process (pipelines/orphans.py), ``kinerja/started_by``,
    the user who launched it (the UI's "Launched by") and, when given, the command line."""
    from pipelines.orphans import owner_tags

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the id then
        user = f"uid {os.getuid()}"
    tags = {**owner_tags(), STARTED_BY_TAG: "cli", USER_TAG: user}
    if command:
        tags[COMMAND_TAG] = command
    return tags


def execute_job(job, instance, *, kind: str, title: str, tags: dict[str, str], out=None, asset_selection=None):
    """Execute ``job`` in this process, following its steps on ``out`` (pipelines/progress.py; nothing shown when
    None) while Dagster's log lines go to ``<warehouse folder>/logs/<kind>-<run id>.log``; the step durations are
    kept for the next estimate. Returns Dagster's result."""
    from pipelines.dagster_storage import hold_connections
    from pipelines.progress import (
        STATE_FILE,
        Progress,
        RunState,
        close_log,
        file_logger,
        following,
        log_dir,
        log_path,
        plan_steps,
        prune_logs,
    )

    settings = get_settings()
    run_id = str(uuid.uuid4())
    path = log_path(settings.warehouse_path, kind, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = RunState.load(log_dir(settings.warehouse_path) / STATE_FILE)
    steps = plan_steps(job, asset_selection)
    stream = out if out is not None else io.StringIO()
    tty = out is not None and hasattr(out, "isatty") and out.isatty()
    progress = Progress(title, steps, state.durations(kind), stream, tty=tty)
    instance.add_event_listener(run_id, progress.on_event)
    hold_connections(instance)
    # Dagster's log lines (every event, DEBUG and up unless KINERJA_LOG_LEVEL says otherwise) go to the file only;
    # the console shows the progress. The event stream stays in the run's event log too (make ui).
    level = os.environ.get("KINERJA_LOG_LEVEL", "DEBUG")
    run_config = {"loggers": {"file": {"config": {"path": str(path), "log_level": level}}}}
    try:
        with following(progress):
            result = job.with_logger_defs({"file": file_logger}).execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=run_config,
                tags=tags,
                run_id=run_id,
                asset_selection=list(asset_selection) if asset_selection else None,
            )
    finally:
        close_log(path)
    known = {s.key for s in steps}
    state.set_durations(
        kind, {**{k: v for k, v in state.durations(kind).items() if k in known}, **progress.durations}, run_id
    )
    try:
        state.save()
        prune_logs(path.parent, kind)
    except OSError:  # the estimate is a convenience: a read-only folder does not fail the run
        pass
    return result


def run_nightly(instance=None, defs=None, out=None, command: str | None = None):
    """Execute ``nightly_refresh`` in this process (the warehouse's only writer), showing its progress on ``out``
    (nothing when None); Dagster's log lines go to ``run_log(settings, run id)``."""

    from pipelines.jobs import NIGHTLY_JOB

    if defs is None:
        from pipelines.definitions import build_definitions

        defs = build_definitions()
    from pipelines.orphans import clear_orphaned_runs

    if instance is None:
        from pipelines.dagster_storage import run_instance

        instance = run_instance()
    for run_id in clear_orphaned_runs(instance):
        print(f"run {run_id} was left STARTED by a process that is gone: marked failed", file=out or sys.stdout)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    return execute_job(job, instance, kind="run", title=NIGHTLY_JOB, tags=launch_tags(command), out=out)


def run_log(settings, run_id: str, kind: str = "run") -> Path:
    """The file holding Dagster's log lines of a run this command executed."""
    from pipelines.progress import log_path

    return log_path(settings.warehouse_path, kind, run_id)


def _run_connection_config(settings) -> dict:
    """The configuration the run's DuckDB resource opens the warehouse with (pipelines/resources.py and
    dagster_duckdb's user agent)."""
    return {"custom_user_agent": "dagster", **settings.duckdb_config}


def _open_for_reading(warehouse):
    """A connection for the summary of the run just ended (``warehouse``: a file, or the settings): read-only, or
    (when this process still holds the warehouse open from the run, e.g. a step that failed with its connection
    open) the run's exact configuration, since DuckDB allows one configuration per file and process. On a lake,
    the newest snapshot, read-only."""
    import duckdb

    from pipelines.settings import Settings
    from pipelines.warehouse import Lake, is_lake

    if isinstance(warehouse, Settings):
        if is_lake(warehouse):
            return Lake.from_settings(warehouse).connect(read_only=True)
        warehouse = warehouse.warehouse_path
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.ConnectionException:
        pass
    try:
        return duckdb.connect(str(warehouse), config=_run_connection_config(get_settings()))
    except duckdb.ConnectionException:
        return duckdb.connect(str(warehouse))


def print_load_summary(warehouse, since=None) -> tuple[int, int]:
    """Print one line per source, then the held files (and the files retracted since ``since``); return how many
    files are failed now (not since loaded in a fixed version) and how many are held."""
    with _open_for_reading(warehouse) as con:
        rows = con.execute(
            f"""
            select contract, count(*) filter (where status = 'loaded'), count(*) filter (where status = 'failed'),
                   count(*) filter (where status = 'held'),
                   sum(rows_read) filter (where status = 'loaded'), sum(rows_staged) filter (where status = 'loaded'),
                   sum(rows_quarantined) filter (where status = 'loaded')
            from meta.load_manifest m
            where {_NOT_FIXED}
            group by contract order by contract
            """
        ).fetchall()
        held = _held_files(con)
        retracted = _retracted_files(con, since) if since is not None else []
    print(f"{'source':34} {'files':>6} {'failed':>6} {'held':>6} {'read':>11} {'staged':>11} {'quarantined':>11}")
    for name, files, failed, n_held, read, staged, quarantined in rows:
        print(
            f"{name:34} {files:>6} {failed:>6} {n_held:>6} {read or 0:>11,} {staged or 0:>11,} {quarantined or 0:>11,}"
        )
    _print_held(held, "")
    if retracted:
        print("\nfiles removed from the landing folder (their rows left staging):")
        for name, source_path, _ in retracted:
            print(f"  {name}: {source_path}")
    return sum(r[2] for r in rows), sum(r[3] for r in rows)


def _has_status_reason(con) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_columns() where database_name = current_database() and schema_name = 'meta' "
            "and table_name = 'load_manifest' and column_name = 'status_reason'"
        ).fetchall()[0][0]
    )


def _held_files(con) -> list[tuple]:
    if not _has_status_reason(con):
        return []
    return con.execute(
        "select contract, source_path, file_sha256, rows_read, status_reason from meta.load_manifest "
        "where status = 'held' order by 1, 2"
    ).fetchall()


def _retracted_files(con, since) -> list[tuple]:
    if not _has_status_reason(con):
        return []
    return con.execute(
        "select contract, source_path, status_changed_at from meta.load_manifest "
        "where status = 'retracted' and status_changed_at >= ? order by 1, 2",
        [since],
    ).fetchall()


def _print_held(held: list[tuple], indent: str) -> None:
    if not held:
        return
    print(f"\n{indent}held files (the version before them stays loaded; `kinerja accept FILE` lets one through):")
    for name, source_path, sha, _, reason in held:
        print(f"{indent}  {name}: {source_path} (version {sha[:12]}): {reason}")


def run_exit_code(success: bool, failed_files: int, held_files: int) -> int:
    """`kinerja run`'s exit code: 1 when a step failed (it wins), 3 when a landed file failed or was held, else 0."""
    if not success:
        return EXIT_RUN_FAILED
    if failed_files or held_files:
        return EXIT_FILES_FAILED
    return 0


def reports_url(settings, page: str = "") -> str:
    """Where `make serve` serves a page (the ``reports_base_url`` setting when there is one)."""
    base = str(getattr(settings, "reports_base_url", None) or DEFAULT_REPORTS_URL).rstrip("/")
    return f"{base}/{page}"


def _named(items: list[str], limit: int = ATTENTION_NAMED) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _off_target_lines(con, settings) -> list[str]:
    """KPIs off target in the newest month, counted as that month's review counts them
    (``dashboards.review.review_context``: its scorecard's red and amber KPIs and its red department-KPI pairs)."""
    from assets.kpi.registry import load_registry
    from dashboards.render import load_site, page_domains
    from dashboards.review import review_context, review_file
    from dashboards.warehouse import table_exists

    if not table_exists(con, "marts.scorecard"):
        return ["KPIs: marts.scorecard does not exist yet (no KPI could be compared with its target)"]
    domains = page_domains([e.domain for e in load_registry()])
    site = load_site(con, settings, domains, dt.datetime.now().replace(microsecond=0))
    if not site.periods:
        return ["KPIs: no month has KPI values yet"]
    period = site.periods[-1]
    context = review_context(con, site, period)
    scorecard = context["scorecard"]
    red = [item for item in scorecard if item["status"]["code"] == "r"]
    amber = [item for item in scorecard if item["status"]["code"] == "a"]
    pairs = len(context["red_departments"]) + context["red_more"]
    if not red and not amber and not pairs:
        return []
    departments = f", {pairs} department-KPI pair(s) red" if pairs else ""
    lines = [
        f"KPIs off target in {site.month(period)}: {len(red)} red and {len(amber)} amber of the {len(scorecard)} "
        f"on the scorecard{departments} -> {reports_url(settings, review_file(period))}"
    ]
    for item in red[:ATTENTION_NAMED]:
        lines.append(f"  red: {item['name']}: {item['actual']} (target {item['target']})")
    if len(red) > ATTENTION_NAMED:
        lines.append(f"  and {len(red) - ATTENTION_NAMED} more red")
    return lines


def high_findings(con) -> dict[str, tuple[str, str]]:
    """Open high-severity control and compliance findings, read as the controls page reads them
    (``dashboards.findings.read_findings``: its review status decides what is open): fingerprint (SHA-256 of the
    kind and finding id) -> (kind, rule code)."""
    from dashboards.findings import HIGH_SEVERITIES, read_findings, readable_tables

    tables, _ = readable_tables(con)
    found: dict[str, tuple[str, str]] = {}
    for row in read_findings(con, tables):
        if row["is_open"] and str(row["severity"] or "").lower() in HIGH_SEVERITIES:
            fingerprint = hashlib.sha256(f"{row['kind']}|{row['finding_id']}".encode()).hexdigest()
            found[fingerprint] = (row["kind"], str(row["control_code"]))
    return found


def _findings_lines(found: dict[str, tuple[str, str]], previous: set[str] | None, settings) -> list[str]:
    if not found:
        return []
    new = found if previous is None else {k: v for k, v in found.items() if k not in previous}
    if not new:
        return []
    by_rule: dict[str, int] = {}
    for _, code in new.values():
        by_rule[code] = by_rule.get(code, 0) + 1
    rules = [f"{code} {n}" for code, n in sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))]
    kinds = {kind: sum(1 for k, _ in new.values() if k == kind) for kind in ("control", "compliance")}
    split = ", ".join(f"{kind} {n}" for kind, n in kinds.items() if n)
    url = reports_url(settings, "controls.html")
    if previous is None:
        head = f"high-severity findings open: {len(new)} ({split}; no earlier `kinerja run` to tell the new ones)"
    else:
        head = f"new high-severity findings tonight: {len(new)} ({split}) of {len(found)} open"
    return [f"{head} -> {url}", f"  by rule: {_named(rules)}"]


def _quality_lines(con, settings, failed_files: int, held_files: int) -> list[str]:
    """Quarantined rows (the quality page's and badge's count, ``dashboards.quality.quarantined_rows``), held
    files and files that could not be loaded."""
    from dashboards.quality import quarantined_by_source, quarantined_rows

    quarantined = quarantined_rows(con)
    by_source = quarantined_by_source(con) if quarantined else {}
    parts = []
    if quarantined:
        sources = sorted(by_source.items(), key=lambda item: (-item[1], item[0]))
        parts.append(
            f"{quarantined:,} quarantined row(s) in {len(by_source)} source(s) "
            f"({_named([f'{name} {n:,}' for name, n in sources], 3)})"
        )
    if held_files:
        parts.append(f"{held_files} held file(s) (kinerja accept FILE lets one through)")
    if failed_files:
        parts.append(f"{failed_files} file(s) that could not be loaded")
    if not parts:
        return []
    return [f"{'; '.join(parts)} -> {reports_url(settings, 'quality.html')}"]


def _checks_lines(con, settings, run_id: str) -> list[str]:
    """Checks of this run that failed (``meta.check_results``), ERROR ones first."""
    from dashboards.warehouse import table_exists

    if not table_exists(con, "meta.check_results"):
        return []
    rows = con.execute(
        "select severity, table_name, check_name from meta.check_results where run_id = ? and not passed "
        "order by severity = 'ERROR' desc, table_name, check_name",
        [run_id],
    ).fetchall()
    if not rows:
        return []
    errors = sum(1 for r in rows if r[0] == "ERROR")
    named = [f"{table}: {check}" for _, table, check in rows]
    return [
        f"failed checks in this run: {len(rows)} ({errors} ERROR, {len(rows) - errors} WARN) -> "
        f"{reports_url(settings, 'quality.html')}",
        f"  {_named(named)}",
    ]


def print_attention(settings, run_id: str, failed_files: int, held_files: int, record: bool = True) -> list[str]:
    """The "Needs attention" block after a run: off-target KPIs, new high-severity findings, quarantined and held
    files, failed checks of this run. Returns its lines (empty when nothing needs attention). With ``record``
    the open high-severity findings are remembered, so that the next run tells which are new."""
    import duckdb

    from pipelines.progress import STATE_FILE, RunState, log_dir
    from pipelines.warehouse import warehouse_exists

    lines: list[str] = []
    state = RunState.load(log_dir(settings.warehouse_path) / STATE_FILE)
    found: dict[str, tuple[str, str]] | None = None

    def guarded(section) -> list[str]:
        try:
            return section()
        except duckdb.Error as exc:  # a table a failed night left half-built: the rest of the block still shows
            return [f"(could not read the warehouse for this part: {str(exc).splitlines()[0]})"]

    if warehouse_exists(settings):
        with _open_for_reading(settings) as con:
            lines += guarded(lambda: _off_target_lines(con, settings))
            try:
                found = high_findings(con)
            except duckdb.Error as exc:  # nothing to compare with the last run, nor to remember for the next
                lines.append(f"(could not read the findings: {str(exc).splitlines()[0]})")
            else:
                lines += _findings_lines(found, state.findings(), settings)
            lines += guarded(lambda: _quality_lines(con, settings, failed_files, held_files))
            lines += guarded(lambda: _checks_lines(con, settings, run_id))
    print("\nNeeds attention")
    if lines:
        for line in lines:
            print(f"  {line}")
    else:
        print(
            "  nothing: every KPI on target, no new high-severity finding, nothing quarantined or held, every "
            "check passed"
        )
    if record and found is not None:
        state = RunState.load(state.path)  # re-read: the run saved its step durations in the meantime
        state.set_findings(found.keys(), run_id)
        with contextlib.suppress(OSError):  # what is new is a convenience: a read-only folder fails nothing
            state.save()
    return lines


def print_next(settings, log: Path | None, run_id: str | None = None, persistent: bool = False) -> None:
    """The next commands, and where Dagster's log lines of the run are."""
    if persistent and run_id:
        where = f"this run is {DAGSTER_UI_URL}/runs/{run_id}"
    elif persistent:
        where = "the runs, checks and asset history"
    else:
        where = "this run was not recorded there (DAGSTER_HOME is not set; make run sets it)"
    print("\nNext")
    print(f"  make ui          the Dagster UI on {DAGSTER_UI_URL}: {where}")
    print(f"  make serve       the pages on {reports_url(settings)}")
    print("  kinerja status   what loaded, what failed, which KPIs and rules the data can compute")
    if log is not None:
        print(f"\nDagster's log of this run: {log}")


def report_run(
    result, settings, elapsed: float | None = None, since=None, log: Path | None = None, persistent: bool = False
) -> int:
    """Print what a nightly run loaded and published and what needs attention, and return `kinerja run`'s exit
    code for it."""
    from pipelines.warehouse import warehouse_exists

    took = f" in {elapsed:.1f} s" if elapsed is not None else ""
    print(f"\nnightly_refresh {'succeeded' if result.success else 'FAILED'}{took} (run {result.run_id})")
    failed_files, held_files = print_load_summary(settings, since) if warehouse_exists(settings) else (0, 0)
    reports = sorted(settings.reports_dir.glob("*.html"))
    reviews = [p for p in reports if p.name.startswith("review-")]
    if reports:
        print(f"\ndashboards (make serve serves them on {reports_url(settings)}):")
        for page in reports:
            if page not in reviews:
                print(f"  file://{page}")
        if reviews:
            print(f"  monthly reviews: {len(reviews)} pages, {reviews[0].name} .. {reviews[-1].name}")
    code = run_exit_code(result.success, failed_files, held_files)
    if not result.success:
        failed_steps = sorted({e.step_key for e in result.all_events if e.is_step_failure})
        print(f"\nsteps that failed (the rest of the night went on): {', '.join(failed_steps)}")
        from dashboards.publish import mark_failed

        # the published pages say at once that the newest night failed (the last complete set stays)
        mark_failed(settings.reports_dir, result.run_id, dt.datetime.now(), ", ".join(failed_steps), settings.language)
    elif code == EXIT_FILES_FAILED:
        problems = [f"{n} file(s) could not be loaded" for n in [failed_files] if n]
        problems += [f"{n} file(s) held" for n in [held_files] if n]
        print(f"\n{' and '.join(problems)}: `kinerja status` lists them with the reason")
    print_attention(settings, result.run_id, failed_files, held_files)
    print_next(settings, log, result.run_id, persistent)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not _landing_has_files(settings.landing_dir) and not args.no_generate:
        print(f"no files in {settings.landing_dir}: generating the demo company first")
        cmd_generate(argparse.Namespace(employees=400, months=36, seed=42, end_period=None))
    started = time.perf_counter()
    since = dt.datetime.now().replace(microsecond=0)
    print("loading the definitions (assets, checks, pages)...", flush=True)
    result = run_nightly(out=sys.stdout, command=getattr(args, "command_line", None))
    log = run_log(settings, result.run_id)
    persistent = bool(os.environ.get("DAGSTER_HOME"))
    code = report_run(result, settings, time.perf_counter() - started, since, log=log, persistent=persistent)
    _send_alerts(result, settings)
    return code


def _send_alerts(result, settings) -> None:
    """The failure alert or the night's digest on the configured channels (the daemon's sensors do this for
    scheduled runs; a run of this command has no daemon watching it)."""
    from pipelines.alerts import notify_night, root_cause

    failures = [] if result.success else result.get_step_failure_events()
    failure = "; ".join(f"{e.step_key}: {root_cause(e.event_specific_data.error)}" for e in failures)
    done = notify_night(result.run_id, result.success, failure=failure, settings=settings)
    for channel in done.sent:
        print(f"alert sent by {channel}")
    for problem in done.problems:
        print(problem, file=sys.stderr)


def report_assets() -> list:
    """The asset keys of the pages (``reports/...``): the run-started mark, every page and the publish step."""
    from pipelines.discovery import module_definitions

    keys = []
    for item in module_definitions("dashboards.assets").assets or []:
        keys += sorted(getattr(item, "keys", None) or {item.key}, key=lambda k: k.path)
    return keys


def publish_pages(warehouse: Path | None, instance=None, defs=None, out=None, command: str | None = None):
    """Rebuild and publish every page from ``warehouse`` (None: the lake's last published night) without a
    nightly run: the ``reports/...`` assets of ``nightly_refresh`` in this process, their DuckDB resource opening
    the warehouse read-only (no page and no publish step can write to it)."""
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from pipelines.jobs import NIGHTLY_JOB
    from pipelines.resources import warehouse_resource

    if defs is None:
        from pipelines.definitions import build_definitions

        defs = build_definitions()
    if instance is None:
        from pipelines.dagster_storage import run_instance

        instance = run_instance()
    settings = get_settings()
    config = {**settings.duckdb_config, "access_mode": "read_only"}
    if warehouse is None:
        read_only = warehouse_resource(settings, lock=False, published=True)
    else:
        read_only = DuckDBResource(database=str(warehouse), connection_config=config)
    # the resource is bound to the assets when the job is resolved: definitions with the same assets, checks and
    # job carry this one instead
    defs = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        executor=defs.executor,
        resources={**(defs.resources or {}), "duckdb": read_only},
    )
    job = defs.resolve_job_def(NIGHTLY_JOB)
    return execute_job(
        job,
        instance,
        kind="publish",
        title="publish",
        tags=launch_tags(command),
        out=out,
        asset_selection=report_assets(),
    )


def cmd_publish(args: argparse.Namespace) -> int:
    import duckdb

    from dashboards.publish import current_set, read_status, short_run
    from pipelines.warehouse import WarehouseUnavailable, is_lake, open_reader

    settings = get_settings()
    # the pages' published step refreshes the read copy from the warehouse; a lake's pages come from its last
    # published night, which stays the published one
    warehouse = None if is_lake(settings) else settings.warehouse_path
    if warehouse is not None and not warehouse.exists():
        print(f"no warehouse at {warehouse}: run `kinerja run` first", file=sys.stderr)
        return 1
    try:
        (open_reader(settings) if warehouse is None else duckdb.connect(str(warehouse), read_only=True)).close()
    except (duckdb.Error, WarehouseUnavailable) as exc:
        print(f"cannot open the warehouse read-only (is a run writing it?): {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    print("loading the definitions (assets, checks, pages)...", flush=True)
    result = publish_pages(warehouse, out=sys.stdout, command=getattr(args, "command_line", None))
    took = time.perf_counter() - started
    log = run_log(settings, result.run_id, "publish")
    status = read_status(current_set(settings.reports_dir) or settings.reports_dir) or {}
    if result.success and status.get("runId") == result.run_id:
        pages = sorted(settings.reports_dir.glob("*.html"))
        source = warehouse or "the last published night"
        print(
            f"\npublished {len(pages)} pages from {source} in {took:.1f} s: build {short_run(result.run_id)} "
            f"(run {result.run_id})"
        )
        print(f"  {settings.reports_dir} -> {reports_url(settings, 'overview.html')} (make serve)")
        print(f"\nDagster's log of this publish: {log}")
        return 0
    failed = sorted({e.step_key for e in result.all_events if e.is_step_failure})
    print(
        f"\npublish FAILED in {took:.1f} s (run {result.run_id}): {', '.join(failed) or 'nothing published'}; the "
        f"pages published before stay. Dagster's log: {log}",
        file=sys.stderr,
    )
    return EXIT_RUN_FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    """Every contract: its YAML shape, then what only shows at run time (SQL, mapping, lookups, currency), then
    what it does to a sample of its files under the landing folder (header, rules, formats, ambiguous dates)."""
    from assets.canonical.catalog import rates_files
    from assets.ingest.contracts import ContractError, contract_conflicts, discover_contracts, load_contract
    from assets.ingest.validate import contract_problems, sample_report

    settings = get_settings()
    landing = settings.landing_dir
    paths = discover_contracts(settings.contracts_dir)
    conflicts = contract_conflicts(paths)
    failures = 0
    for path in paths:
        if path in conflicts:
            failures += 1
            print(f"INVALID {conflicts[path]}")
            continue
        try:
            contract = load_contract(path)
        except ContractError as exc:
            failures += 1
            print(f"INVALID {exc}")
            try:  # two-digit years without century_start: show what the files hold
                lenient = load_contract(path, require_century=False)
            except ContractError:
                continue
            if not contract_problems(lenient, settings.currency, rates_files(), compile_sql=True):
                for problem in sample_report(lenient, landing).problems:
                    print(f"INVALID contract {path.name}: {problem}")
            continue
        problems = contract_problems(contract, settings.currency, rates_files(), compile_sql=True)
        report = None if problems else sample_report(contract, landing)
        if report is not None:
            problems += [f"contract {path.name}: {p}" for p in report.problems]
        warnings = [f"contract {path.name}: {w}" for w in report.warnings] if report is not None else []
        if problems:
            failures += 1
            for problem in problems:
                print(f"INVALID {problem}")
            for warning in warnings:
                print(f"WARN    {warning}")
            continue
        target = f"canonical.{contract.maps_to}" if contract.maps_to else f"staging.{contract.staging_table} only"
        if report.files:
            sampled = f"{len(report.sampled)} of {report.files} file(s)" if report.files > 1 else "its file"
            checked = f"checked on {report.rows:,} row(s) of {sampled}"
        else:
            checked = f"no file under {landing} yet: header and rows not checked"
        print(f"ok      {path.name}: {len(contract.columns)} columns -> {target}; {checked}")
        for warning in warnings:
            print(f"WARN    {warning}")
    return 1 if failures else 0


def cmd_draft_contract(args: argparse.Namespace) -> int:
    from assets.ingest.draft import CONTRACTS_ROOT, DraftError, draft_contract

    settings = get_settings()
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not args.force:
        print(f"{out} exists: choose another --out or add --force to overwrite it", file=sys.stderr)
        return 2
    alias_dirs = list(dict.fromkeys([CONTRACTS_ROOT / "demo", settings.contracts_dir]))
    try:
        text = draft_contract(Path(args.file), args.entity, args.system, settings.landing_dir, alias_dirs)
    except DraftError as exc:
        print(exc, file=sys.stderr)
        return 2
    if out is None:
        sys.stdout.write(text)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"draft contract for {args.file} written to {out}: check it, then run `kinerja validate-contracts`")
    return 0


def find_contract(contracts_dir: Path, name: str):
    """The contract whose file stem or ``system__entity`` name is ``name``; (contract, None) or (None, message)."""
    from assets.ingest.contracts import ContractError, discover_contracts, load_contract

    paths = discover_contracts(contracts_dir)
    known, invalid = [], []
    for path in paths:
        try:
            contract = load_contract(path)
        except ContractError as exc:
            if path.stem == name:
                return None, f"INVALID {exc}"
            invalid.append(path.stem)
            continue
        if name in (path.stem, contract.name):
            return contract, None
        known.append(path.stem if path.stem == contract.name else f"{path.stem} ({contract.name})")
    listing = ", ".join(known) or "none"
    message = f"unknown source {name!r}: no contract in {contracts_dir} has that file stem or system__entity name"
    message += f"\nknown sources: {listing}"
    if invalid:
        message += f"\ninvalid contracts (kinerja validate-contracts says why): {', '.join(invalid)}"
    return None, message


def _manifest_rows(con, contract_name: str) -> dict[str, tuple]:
    rows = con.execute(
        "select file_sha256, status, rows_read, rows_staged, rows_quarantined, error from meta.load_manifest "
        "where contract = ?",
        [contract_name],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _writer(settings, stack: contextlib.ExitStack):
    """The warehouse open for writing outside a run, holding the run lock (both released with ``stack``); None,
    with the reason printed, when a run holds it or the warehouse cannot be opened."""
    import duckdb

    from pipelines.warehouse import RunLocked, WarehouseUnavailable, lock_path, open_writer, run_lock

    try:
        stack.enter_context(run_lock(lock_path(settings)))
        return stack.enter_context(open_writer(settings))
    except (duckdb.Error, RunLocked, WarehouseUnavailable) as exc:
        print(f"cannot open the warehouse for writing (is a run in progress?): {exc}", file=sys.stderr)
        return None


def cmd_load(args: argparse.Namespace) -> int:
    settings = get_settings()
    contract, problem = find_contract(settings.contracts_dir, args.source)
    if contract is None:
        print(problem, file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        con = _writer(settings, stack)
        return 1 if con is None else _load_source(con, contract, settings)


def _load_source(con, contract, settings) -> int:
    import duckdb

    from assets.ingest.loader import ingest_contract
    from assets.ingest.staging import build_staging
    from pipelines.db import table_exists

    print(f"source {contract.name} ({contract.path}): files {contract.files} under {settings.landing_dir}")
    outcomes = ingest_contract(con, contract, settings.landing_dir)
    try:
        result = build_staging(con, contract)
    except duckdb.Error as exc:
        print(
            f"staging {contract.name} failed: {exc}\n(check the row_rules, expr and filter SQL in {contract.path})",
            file=sys.stderr,
        )
        return 2
    manifest = _manifest_rows(con, contract.name)
    failed = 0
    if not outcomes:
        print(f"no file under {settings.landing_dir} matches {contract.files}")
    else:
        print(f"{'status':12} {'read':>9} {'staged':>9} {'quarantined':>11}  file")
    for outcome in outcomes:
        status, read, staged, quarantined, error = manifest.get(outcome.file_sha256, (outcome.status,) + (None,) * 4)
        shown = status if status in ("failed", "held") else outcome.status
        if status in ("failed", "held") and outcome.status not in ("retracted", "ignored"):
            failed += 1
        print(f"{shown:12} {read or 0:>9,} {staged or 0:>9,} {quarantined or 0:>11,}  {outcome.source_path}")
        if status == "failed":
            print(f"{'':12} error: {error or outcome.error}")
        elif outcome.note and outcome.status != "unchanged":
            print(f"{'':12} {outcome.note}")
    print(
        f"staging.{contract.staging_table}: {result.rows_staged:,} rows; "
        f"quarantine.{contract.name}: {result.rows_quarantined:,} rows"
    )
    if result.rows_quarantined and table_exists(con, f"quarantine.{contract.name}"):
        reasons = con.execute(
            f"""
            select rule, coalesce(column_name, ''), count(*),
                   min_by(_source_path || ' line ' || _line_no || ': ' || reason, (_source_path, _line_no))
            from quarantine.{contract.name} group by all order by 3 desc, 1, 2 limit 10
            """
        ).fetchall()
        print("top quarantine reasons:")
        print(f"  {'rule':28} {'column':28} {'rows':>9}  first example")
        for rule, column, count, example in reasons:
            example = example if len(example) <= 110 else example[:109] + "…"
            print(f"  {rule:28} {column:28} {count:>9,}  {example}")
    return 3 if failed else 0


def _status_sources(con) -> None:
    print("Sources (meta.load_manifest)")
    rows = con.execute(
        f"""
        select contract,
               count(*) filter (where status = 'loaded'), count(*) filter (where status = 'failed' and {_NOT_FIXED}),
               count(*) filter (where status = 'superseded'),
               coalesce(sum(rows_read) filter (where status = 'loaded'), 0),
               coalesce(sum(rows_staged) filter (where status = 'loaded'), 0),
               coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0)
        from meta.load_manifest m group by contract order by contract
        """
    ).fetchall()
    if not rows:
        print("  no file has been loaded yet")
        return
    header = ("source", "loaded", "failed", "superseded", "read", "staged", "quarantined")
    print("  {:34} {:>6} {:>6} {:>10} {:>11} {:>11} {:>11}".format(*header))
    for name, loaded, failed, superseded, read, staged, quarantined in rows:
        print(f"  {name:34} {loaded:>6} {failed:>6} {superseded:>10} {read:>11,} {staged:>11,} {quarantined:>11,}")
    failed = (
        f"select contract, source_path, error from meta.load_manifest m where status = 'failed' and {_NOT_FIXED} "
        "order by 1, 2"
    )
    for name, source_path, error in _listed(con, "  failed files:", failed):
        print(f"    {name}: {source_path}: {error}")
    if not _has_status_reason(con):  # a warehouse not loaded since held and retracted files came in
        return
    _print_held(_held_files(con), "  ")
    accepted = (
        "select contract, source_path, status_reason from meta.load_manifest where status = 'accepted' order by 1, 2"
    )
    for name, source_path, reason in _listed(con, "  accepted files (the next run loads them):", accepted):
        print(f"    {name}: {source_path}: {reason}")
    retracted = (
        "select contract, source_path, status_changed_at from meta.load_manifest where status = 'retracted' "
        "order by status_changed_at desc, 1, 2 limit 10"
    )
    heading = "  retracted files (removed from the landing folder; their rows left staging), latest first:"
    for name, source_path, at in _listed(con, heading, retracted):
        print(f"    {name}: {source_path} (on {at:%Y-%m-%d %H:%M})" if at else f"    {name}: {source_path}")


def _listed(con, heading: str, sql: str) -> list[tuple]:
    """The rows of ``sql``, with ``heading`` printed above them when there are any."""
    rows = con.execute(sql).fetchall()
    if rows:
        print(heading)
    return rows


def cmd_accept(args: argparse.Namespace) -> int:
    """Let a held version through: the next run (or `kinerja load`) makes it the loaded version of its path."""

    from assets.ingest.loader import AcceptError, accept_version
    from pipelines.warehouse import warehouse_exists

    settings = get_settings()
    if not warehouse_exists(settings):
        print(
            f"no warehouse at {settings.warehouse_path}: nothing has been loaded, so nothing is held", file=sys.stderr
        )
        return 1
    with contextlib.ExitStack() as stack:
        con = _writer(settings, stack)
        if con is None:
            return 1
        try:
            accepted = accept_version(con, settings.landing_dir, args.file, dt.datetime.now().replace(microsecond=0))
        except AcceptError as exc:
            print(exc, file=sys.stderr)
            return 1
    for row in accepted:
        print(
            f"accepted {row['source_path']} (version {row['file_sha256'][:12]}, {row['rows_read'] or 0:,} rows) for "
            f"{row['contract']}: the next `kinerja run` (or `kinerja load --source {row['contract']}`) loads it in "
            "place of the version before it"
        )
    return 0


def _status_coverage(con) -> None:
    print("Canonical entities (marts.canonical_coverage)")
    rows = con.execute(
        """
        select entity, max(n_rows), count(*) filter (where n_filled > 0), count(*),
               list_sort(list_distinct(flatten(list(coalesce(sources, []))))) 
        from marts.canonical_coverage group by entity order by entity
        """
    ).fetchall()
    if not rows:
        print("  the table is empty")
        return
    print(f"  {'entity':24} {'rows':>11} {'columns filled':>15}  sources")
    for entity, n_rows, filled, columns, sources in rows:
        shown = ", ".join(sources) if sources else "none"
        print(f"  {entity:24} {n_rows or 0:>11,} {f'{filled} of {columns}':>15}  {shown}")


def _status_computability(con, table: str, code: str, label: str) -> None:
    print(f"{label} ({table})")
    rows = con.execute(
        f"select {code}, is_computable, missing_columns, reason from {table} order by is_computable, {code}"
    ).fetchall()
    if not rows:
        print("  the table is empty")
        return
    computable = sum(1 for r in rows if r[1])
    print(f"  computable: {computable} of {len(rows)}")
    for name, is_computable, missing, reason in rows:
        if is_computable:
            continue
        shown = ", ".join(m.replace("|", " or ") for m in missing)
        print(f"  {name}: " + (reason or (f"not computable: needs {shown}" if shown else "not computable")))


def cmd_status(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.db import table_exists
    from pipelines.warehouse import WarehouseUnavailable, describe_published, is_lake, open_reader, warehouse_exists

    settings = get_settings()
    # the last published night (the read copy, or the lake's published snapshot): a reader never holds what the
    # nightly run writes (pipelines/warehouse.py); before the first published night the warehouse, read-only
    if not warehouse_exists(settings) and not settings.read_copy.exists():
        print(f"no warehouse at {settings.warehouse_path}: run `kinerja run` or `kinerja load --source NAME` first")
        return 1
    try:
        con = open_reader(settings)
        kind = describe_published(settings)
    except (duckdb.Error, WarehouseUnavailable) as exc:
        print(f"cannot open the warehouse read-only: {exc}")
        return 1
    if not is_lake(settings):
        path = settings.read_copy if settings.read_copy.exists() else settings.warehouse_path
        kind = f"{kind} ({dt.datetime.fromtimestamp(path.stat().st_mtime):%Y-%m-%d %H:%M})"
    print(f"{kind}\n")
    kpis = partial(_status_computability, table="marts.kpi_computability", code="kpi_code", label="KPIs")
    rules = partial(_status_computability, table="marts.rule_computability", code="rule_code", label="Control rules")
    sections = [
        ("meta.load_manifest", "Sources", _status_sources),
        ("marts.canonical_coverage", "Canonical entities", _status_coverage),
        ("marts.kpi_computability", "KPIs", kpis),
        ("marts.rule_computability", "Control rules", rules),
    ]
    with con:
        for index, (table, label, show) in enumerate(sections):
            if index:
                print()
            if not table_exists(con, table):
                print(f"{label}: {table} does not exist yet (run the nightly refresh to build it)")
                continue
            show(con)
    return 0


def cmd_group(args: argparse.Namespace) -> int:
    """`kinerja group run|consolidate|status` (pipelines/group_commands.py)."""
    from pipelines.group_commands import main as group_main

    return group_main(args)


DESCRIPTION = (
    "Kinerja: HR, payroll and finance exports into a checked DuckDB warehouse, KPIs, control findings and "
    "dashboards. Generate the demo company, run the nightly refresh in this process, check and draft source "
    "contracts, load one source now, say what the warehouse holds and republish the pages."
)


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help names its default: "(default: ...)" is added unless the help already says it; a flag
    is "off" by default, a required option says so."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "(default" in text:
            return text
        if action.required:
            return f"{text} (required)"
        if isinstance(action, argparse._StoreTrueAction):
            return f"{text} (default: off)"
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """A bad argument is one line on stderr and exit code 2 (argparse's usage block is left to --help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def year_month(text: str) -> str:
    """An argparse type: a month as YYYY-MM."""
    if not re.fullmatch(r"\d{4}-\d{2}", text or "") or not 1 <= int(text[5:]) <= 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: use YYYY-MM, e.g. 2026-01")
    return text


def int_at_least(minimum: int):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kinerja")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kinerja", description=DESCRIPTION, formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=f"kinerja {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    add = partial(sub.add_parser, formatter_class=_HelpFormatter)
    gen = add(
        "generate",
        help="write the demo company's exports into the landing folder",
        description="Write a fictional Indonesian company's HR, payroll and finance exports into the landing "
        "folder, with the planted anomalies listed in the answer key folder.",
    )
    gen.add_argument("--employees", type=int_at_least(20), default=400, help="employees, at least 20")
    gen.add_argument("--months", type=int_at_least(1), default=36, help="months of history, at least 1")
    gen.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives the same company")
    gen.add_argument(
        "--end-period", type=year_month, default=None, help="last month, YYYY-MM (default: the last full month)"
    )
    gen.set_defaults(func=cmd_generate)
    run = add(
        "run",
        help="run the nightly refresh now, in this process",
        description="Run the nightly refresh in this process: a progress line while it runs, then what was loaded "
        "and published and what needs attention. Dagster's log lines go to logs/run-RUN_ID.log beside the "
        "warehouse (data/logs by default) and stay in the run's event log (make ui).",
        epilog="exit codes: 0 everything loaded and ran; 1 a step failed (e.g. an invalid contract or a failed "
        "blocking check; the rest of the night still ran and the pages were published); 2 invalid settings or "
        "arguments; 3 every step ran but a landed file could not be loaded, or was held because it has far fewer "
        "rows than the version it would replace (kinerja status says why; kinerja accept FILE lets a held file "
        "through)",
    )
    run.add_argument(
        "--no-generate",
        action="store_true",
        help="do not generate the demo company when the landing folder is empty",
    )
    run.set_defaults(func=cmd_run)
    publish = add(
        "publish",
        help="rebuild and publish the pages from the warehouse, without a nightly run",
        description="Rebuild every page from the warehouse as it is (opened read-only) and publish the new set in "
        "one step, as the nightly run does; nothing is loaded or recomputed. Dagster's log lines go to "
        "logs/publish-RUN_ID.log beside the warehouse.",
        epilog="exit codes: 0 the pages were published; 1 no warehouse, a run is writing it, or a page failed (the "
        "pages published before stay); 2 invalid settings or arguments",
    )
    publish.set_defaults(func=cmd_publish)
    val = add(
        "validate-contracts",
        help="check every source contract and say what is wrong",
        description="Check every source contract: its YAML, its SQL and mapping, and a sample of its files in the "
        "landing folder.",
    )
    val.set_defaults(func=cmd_validate)
    draft = add(
        "draft-contract",
        help="profile an export and write a commented draft contract",
        description="Profile an export and write a commented draft contract for it.",
    )
    draft.add_argument("file", help="the export: CSV/TSV/TXT, XLSX or Parquet")
    draft.add_argument("--entity", help="the canonical entity it maps to (default: the best match, if clear)")
    draft.add_argument("--system", help="the source system's name (default: from the folder)")
    draft.add_argument("--out", help="write the draft here (default: print it)")
    draft.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    draft.set_defaults(func=cmd_draft_contract)
    load = add(
        "load",
        help="load and check one source now (without Dagster)",
        description="Load one source's files now and stage them, without Dagster, and say what was quarantined.",
    )
    load.add_argument("--source", required=True, help="contract file stem or system__entity name")
    load.set_defaults(func=cmd_load)
    status = add(
        "status",
        help="what the warehouse holds: sources, canonical entities, KPIs, rules",
        description="What the warehouse holds (read-only): sources, canonical entities, and which KPIs and rules "
        "the data can compute.",
    )
    status.set_defaults(func=cmd_status)
    accept = add(
        "accept",
        help="let a held file through: the next run loads it in place of the version before it",
        description="A new version of a file with far fewer rows than the loaded one (the contract's replace_guard) "
        "is held: the old version stays loaded. Accepting it makes the next run load it instead.",
    )
    accept.add_argument("file", help="the file's path relative to the landing folder, or its SHA-256 (a prefix)")
    accept.set_defaults(func=cmd_accept)
    from pipelines.group_commands import CONSOLIDATE_EPILOG as GROUP_CONSOLIDATE_EPILOG
    from pipelines.group_commands import RUN_EPILOG as GROUP_RUN_EPILOG

    group = add(
        "group",
        help="many companies: their nights side by side, the group's consolidation, where each company stands",
        description="A group of companies, each with its own settings file and warehouse, listed in a group file "
        "(named by KINERJA_GROUP_CONFIG or --group; config/group.example.yaml shows what it holds).",
    )
    group_sub = group.add_subparsers(dest="group_command", required=True, metavar="GROUP_COMMAND", parser_class=_Parser)
    group_add = partial(group_sub.add_parser, formatter_class=_HelpFormatter)
    group_file = "the group file (default: the file KINERJA_GROUP_CONFIG names)"
    group_run = group_add(
        "run",
        help="run the companies' nights side by side, each in its own process, then consolidate the group",
        description="Run each company's night (kinerja run --no-generate with that company's settings file) in its "
        "own process, several at a time, then consolidate the group from the published nights. A company that "
        "another run is refreshing is not run: the command says who holds it.",
        epilog=GROUP_RUN_EPILOG,
    )
    group_run.add_argument(
        "--parallel", type=int_at_least(1), help="nights at a time (default: one per core, at most one per company)"
    )
    group_run.add_argument(
        "--company", action="append", metavar="CODE", help="only this company; repeat for more (default: every one)"
    )
    group_run.add_argument("--group", metavar="FILE", help=group_file)
    group_consolidate = group_add(
        "consolidate",
        help="sum the companies' last published nights into the group warehouse",
        description="Read each company's last published night (read-only) and write the group warehouse: the "
        "company dimension, every company's KPI values, and the consolidation KPIs (headcount, payroll cost, spend "
        "without intercompany lines). Companies without a published night are named, not summed.",
        epilog=GROUP_CONSOLIDATE_EPILOG,
    )
    group_consolidate.add_argument("--group", metavar="FILE", help=group_file)
    group_status = group_add(
        "status",
        help="one line per company: its currency, whether it is being refreshed, its last published night",
        description="One line per company of the group (read-only), then when the group was last consolidated.",
    )
    group_status.add_argument("--group", metavar="FILE", help=group_file)
    group.set_defaults(func=cmd_group)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    args.command_line = shlex.join(["kinerja", *arguments])
    try:
        apply_file_privacy(get_settings())
        return args.func(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_SETTINGS
    except KeyboardInterrupt:  # Ctrl-C: no traceback; a run left STARTED is marked failed by the next run
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
