"""The ``kinerja`` command: generate the demo company, run the nightly job in-process, check contracts, draft a
contract from an export, load one source now and say what the warehouse holds."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from functools import partial
from pathlib import Path

from pipelines.settings import SettingsError, apply_file_privacy, get_settings

# `kinerja run` exit codes (README, `kinerja run --help`)
EXIT_RUN_FAILED = 1  # a step failed (an invalid contract, a failed blocking check upstream, an error)
EXIT_SETTINGS = 2  # the settings are invalid
EXIT_FILES_FAILED = 3  # every step ran, but a landed file could not be loaded or was held (kinerja accept)

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
        employees=args.employees, months=args.months, seed=args.seed, end_period=args.end_period,
        landing_dir=settings.landing_dir, answer_key_dir=settings.answer_key_dir,
    )  # fmt: skip
    generate_company(config)
    print(f"demo company written to {settings.landing_dir} (answer key in {settings.answer_key_dir})")
    return 0


def run_nightly(instance=None, defs=None):
    """Execute ``nightly_refresh`` in this process (the warehouse's only writer)."""
    import dagster as dg

    from pipelines.jobs import NIGHTLY_JOB

    if defs is None:
        from pipelines.definitions import defs
    from pipelines.orphans import clear_orphaned_runs, owner_tags

    if instance is None:
        instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    for run_id in clear_orphaned_runs(instance):
        print(f"run {run_id} was left STARTED by a process that is gone: marked failed")
    job = defs.resolve_job_def(NIGHTLY_JOB)
    # The console shows the run's INFO events and up (step starts and ends, warnings, failures); the full event
    # stream stays in the run's event log (make ui).
    run_config = {"loggers": {"console": {"config": {"log_level": os.environ.get("KINERJA_LOG_LEVEL", "INFO")}}}}
    tags = {**owner_tags(), "kinerja/started_by": "cli"}
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config, tags=tags)


def _open_for_reading(warehouse: Path):
    """A connection for the summary: read-only, or (when this process still holds the warehouse open from the
    run) the same configuration as the run's, since DuckDB allows one configuration per file and process."""
    import duckdb

    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(str(warehouse))


def print_load_summary(warehouse: Path, since=None) -> tuple[int, int]:
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


def report_run(result, settings, elapsed: float | None = None, since=None) -> int:
    """Print what a nightly run loaded and published, and return `kinerja run`'s exit code for it."""
    took = f" in {elapsed:.1f} s" if elapsed is not None else ""
    print(f"\nnightly_refresh {'succeeded' if result.success else 'FAILED'}{took} (run {result.run_id})")
    failed_files, held_files = (
        print_load_summary(settings.warehouse_path, since) if settings.warehouse_path.exists() else (0, 0)
    )
    reports = sorted(settings.reports_dir.glob("*.html"))
    reviews = [p for p in reports if p.name.startswith("review-")]
    if reports:
        print("\ndashboards (make serve serves them on http://127.0.0.1:8080/):")
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
    return code


def cmd_run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not _landing_has_files(settings.landing_dir) and not args.no_generate:
        print(f"no files in {settings.landing_dir}: generating the demo company first")
        cmd_generate(argparse.Namespace(employees=400, months=36, seed=42, end_period=None))
    started = time.perf_counter()
    since = dt.datetime.now().replace(microsecond=0)
    result = run_nightly()
    return report_run(result, settings, time.perf_counter() - started, since)


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


def cmd_load(args: argparse.Namespace) -> int:
    import duckdb

    from assets.ingest.loader import ingest_contract
    from assets.ingest.manifest import table_exists
    from assets.ingest.staging import build_staging

    settings = get_settings()
    contract, problem = find_contract(settings.contracts_dir, args.source)
    if contract is None:
        print(problem, file=sys.stderr)
        return 2
    warehouse = settings.warehouse_path
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(warehouse), config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads}
        )
    except duckdb.Error as exc:
        print(f"cannot open the warehouse {warehouse} for writing (is a run in progress?): {exc}", file=sys.stderr)
        return 1
    with con:
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
            status, read, staged, quarantined, error = manifest.get(
                outcome.file_sha256, (outcome.status,) + (None,) * 4
            )
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
    failures = con.execute(
        f"select contract, source_path, error from meta.load_manifest m where status = 'failed' and {_NOT_FIXED} "
        "order by 1, 2"
    ).fetchall()
    if failures:
        print("  failed files:")
        for name, source_path, error in failures:
            print(f"    {name}: {source_path}: {error}")
    if not _has_status_reason(con):  # a warehouse not loaded since held and retracted files came in
        return
    _print_held(_held_files(con), "  ")
    accepted = con.execute(
        "select contract, source_path, status_reason from meta.load_manifest where status = 'accepted' order by 1, 2"
    ).fetchall()
    if accepted:
        print("  accepted files (the next run loads them):")
        for name, source_path, reason in accepted:
            print(f"    {name}: {source_path}: {reason}")
    retracted = con.execute(
        "select contract, source_path, status_changed_at from meta.load_manifest where status = 'retracted' "
        "order by status_changed_at desc, 1, 2 limit 10"
    ).fetchall()
    if retracted:
        print("  retracted files (removed from the landing folder; their rows left staging), latest first:")
        for name, source_path, at in retracted:
            print(f"    {name}: {source_path} (on {at:%Y-%m-%d %H:%M})" if at else f"    {name}: {source_path}")


def cmd_accept(args: argparse.Namespace) -> int:
    """Let a held version through: the next run (or `kinerja load`) makes it the loaded version of its path."""
    import duckdb

    from assets.ingest.loader import AcceptError, accept_version

    settings = get_settings()
    warehouse = settings.warehouse_path
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: nothing has been loaded, so nothing is held", file=sys.stderr)
        return 1
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as exc:
        print(f"cannot open the warehouse {warehouse} for writing (is a run in progress?): {exc}", file=sys.stderr)
        return 1
    with con:
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

    from assets.ingest.manifest import table_exists

    warehouse = get_settings().warehouse_path
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: run `kinerja run` or `kinerja load --source NAME` first")
        return 1
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        print(f"cannot open the warehouse {warehouse} read-only: {exc}")
        return 1
    print(f"warehouse {warehouse}\n")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kinerja", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write the demo company's exports into the landing folder")
    gen.add_argument("--employees", type=int, default=400)
    gen.add_argument("--months", type=int, default=36)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--end-period", default=None, help="last month, YYYY-MM (default: the last full month)")
    gen.set_defaults(func=cmd_generate)
    run = sub.add_parser(
        "run",
        help="run the nightly refresh now, in this process",
        description="Run the nightly refresh in this process and print what was loaded and published.",
        epilog="exit codes: 0 everything loaded and ran; 1 a step failed (e.g. an invalid contract or a failed "
        "blocking check; the rest of the night still ran and the pages were published); 2 invalid settings; "
        "3 every step ran but a landed file could not be loaded, or was held because it has far fewer rows than "
        "the version it would replace (kinerja status says why; kinerja accept FILE lets a held file through)",
    )
    run.add_argument("--no-generate", action="store_true", help="do not generate the demo when landing is empty")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate-contracts", help="check every source contract and say what is wrong")
    val.set_defaults(func=cmd_validate)
    draft = sub.add_parser("draft-contract", help="profile an export and write a commented draft contract")
    draft.add_argument("file", help="the export: CSV/TSV/TXT, XLSX or Parquet")
    draft.add_argument("--entity", help="the canonical entity it maps to (default: the best match, if clear)")
    draft.add_argument("--system", help="the source system's name (default: from the folder)")
    draft.add_argument("--out", help="write the draft here (default: print it)")
    draft.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    draft.set_defaults(func=cmd_draft_contract)
    load = sub.add_parser("load", help="load and check one source now (without Dagster)")
    load.add_argument("--source", required=True, help="contract file stem or system__entity name")
    load.set_defaults(func=cmd_load)
    status = sub.add_parser("status", help="what the warehouse holds: sources, canonical entities, KPIs, rules")
    status.set_defaults(func=cmd_status)
    accept = sub.add_parser(
        "accept",
        help="let a held file through: the next run loads it in place of the version before it",
        description="A new version of a file with far fewer rows than the loaded one (the contract's replace_guard) "
        "is held: the old version stays loaded. Accepting it makes the next run load it instead.",
    )
    accept.add_argument("file", help="the file's path relative to the landing folder, or its SHA-256 (a prefix)")
    accept.set_defaults(func=cmd_accept)
    args = parser.parse_args(argv)
    try:
        apply_file_privacy(get_settings())
        return args.func(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_SETTINGS


if __name__ == "__main__":
    sys.exit(main())
