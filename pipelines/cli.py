"""The ``kinerja`` command: generate the demo company, run the nightly job in-process, check contracts."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipelines.settings import SettingsError, get_settings


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
    if instance is None:
        instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def(NIGHTLY_JOB)
    # The console shows the run's INFO events and up (step starts and ends, warnings, failures); the full event
    # stream stays in the run's event log (make ui).
    run_config = {"loggers": {"console": {"config": {"log_level": os.environ.get("KINERJA_LOG_LEVEL", "INFO")}}}}
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)


def print_load_summary(warehouse: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select contract, count(*) filter (where status = 'loaded'), count(*) filter (where status = 'failed'),
                   sum(rows_read) filter (where status = 'loaded'), sum(rows_staged) filter (where status = 'loaded'),
                   sum(rows_quarantined) filter (where status = 'loaded')
            from meta.load_manifest group by contract order by contract
            """
        ).fetchall()
    print(f"{'source':34} {'files':>6} {'failed':>6} {'read':>11} {'staged':>11} {'quarantined':>11}")
    for name, files, failed, read, staged, quarantined in rows:
        print(f"{name:34} {files:>6} {failed:>6} {read or 0:>11,} {staged or 0:>11,} {quarantined or 0:>11,}")


def cmd_run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not _landing_has_files(settings.landing_dir) and not args.no_generate:
        print(f"no files in {settings.landing_dir}: generating the demo company first")
        cmd_generate(argparse.Namespace(employees=400, months=36, seed=42, end_period=None))
    started = time.perf_counter()
    result = run_nightly()
    elapsed = time.perf_counter() - started
    print(f"\nnightly_refresh {'succeeded' if result.success else 'FAILED'} in {elapsed:.1f} s (run {result.run_id})")
    if settings.warehouse_path.exists():
        print_load_summary(settings.warehouse_path)
    reports = sorted(settings.reports_dir.glob("*.html"))
    reviews = [p for p in reports if p.name.startswith("review-")]
    if reports:
        print("\ndashboards (make serve serves them on http://127.0.0.1:8080/):")
        for page in reports:
            if page not in reviews:
                print(f"  file://{page}")
        if reviews:
            print(f"  monthly reviews: {len(reviews)} pages, {reviews[0].name} .. {reviews[-1].name}")
    return 0 if result.success else 1


def cmd_validate(args: argparse.Namespace) -> int:
    from assets.ingest.contracts import ContractError, discover_contracts, load_contract

    settings = get_settings()
    failures = 0
    for path in discover_contracts(settings.contracts_dir):
        try:
            contract = load_contract(path)
            print(f"ok      {path.name}: {len(contract.columns)} columns -> staging.{contract.staging_table}")
        except ContractError as exc:
            failures += 1
            print(f"INVALID {exc}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kinerja", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write the demo company's exports into the landing folder")
    gen.add_argument("--employees", type=int, default=400)
    gen.add_argument("--months", type=int, default=36)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--end-period", default=None, help="last month, YYYY-MM (default: the last full month)")
    gen.set_defaults(func=cmd_generate)
    run = sub.add_parser("run", help="run the nightly refresh now, in this process")
    run.add_argument("--no-generate", action="store_true", help="do not generate the demo when landing is empty")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate-contracts", help="check every source contract and say what is wrong")
    val.set_defaults(func=cmd_validate)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
