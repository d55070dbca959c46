"""``kinerja group run | consolidate | status``: the group file's companies from the command line
(``pipelines/group.py`` runs the nights, ``pipelines/consolidation.py`` sums them)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipelines.group import Group, GroupError, default_parallel, group_file, load_group, run_nights, status_lines

EXIT_FAILED = 1  # a night failed or was not run (another run holds the company), or nothing could be consolidated
EXIT_USAGE = 2  # the group file is missing or invalid, or an unknown company was named
EXIT_INCOMPLETE = 3  # every night ran, but a landed file failed or was held, or a company was not consolidated

RUN_EPILOG = (
    "exit codes: 0 every night ran and every company was consolidated; 1 a night failed or was not run because "
    "the company is being refreshed by another run, or nothing could be consolidated; 2 invalid group file or "
    "arguments; 3 the nights ran but a landed file could not be loaded or was held, or a company has no published "
    "night to consolidate"
)
CONSOLIDATE_EPILOG = (
    "exit codes: 0 every company was consolidated; 1 none could be (the group warehouse is left as it was); 2 "
    "invalid group file or arguments; 3 some companies were consolidated and the others are named with the reason"
)


def main(args: argparse.Namespace) -> int:
    try:
        path = group_file(args.group)
        group = load_group(path)
    except GroupError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    if group.private_files:
        os.umask(0o077)
    command = {"run": run, "consolidate": consolidate_group, "status": status}[args.group_command]
    return command(group, path, args)


def run(group: Group, path: Path, args: argparse.Namespace) -> int:
    codes = list(dict.fromkeys(args.company or group.codes))
    unknown = [code for code in codes if code not in group.codes]
    if unknown:
        print(
            f"unknown company {', '.join(unknown)}: the companies of {path} are {', '.join(group.codes)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    parallel = args.parallel or default_parallel(len(codes))
    started = time.perf_counter()
    print(
        f"group {group.name} ({path}): the nights of {len(codes)} of {len(group.companies)} companies, "
        f"{min(parallel, len(codes))} at a time",
        flush=True,
    )
    nights = run_nights(group, codes, parallel, out=sys.stdout)
    failed = [n for n in nights if not n.ran]
    ran = [n for n in nights if n.ran]
    print(f"nights: {len(ran)} of {len(nights)} ran in {time.perf_counter() - started:.1f} s", flush=True)
    if not ran:
        print("no night ran, so nothing new to consolidate (kinerja group consolidate consolidates what is published)")
        return EXIT_FAILED
    code = consolidate_group(group, path, args)
    if failed or code == EXIT_FAILED:
        return EXIT_FAILED
    if code == EXIT_INCOMPLETE or any(n.status == "files" for n in nights):
        return EXIT_INCOMPLETE
    return 0


def consolidate_group(group: Group, path: Path, args: argparse.Namespace) -> int:
    from pipelines.consolidation import ConsolidationError, consolidate, consolidation_lines

    try:
        result = consolidate(group, path)
    except ConsolidationError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILED
    for line in consolidation_lines(result, group):
        print(line)
    return EXIT_INCOMPLETE if result.missing else 0


def _consolidated_line(group: Group) -> str:
    import duckdb

    target = group.warehouse_path
    if not target.exists():
        return f"group warehouse {target}: not consolidated yet (kinerja group consolidate)"
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            at, done, missing = con.execute(
                "select consolidated_at, companies_consolidated, companies_missing from meta.consolidation"
            ).fetchone()
    except duckdb.Error as exc:
        return f"group warehouse {target}: cannot be read ({str(exc).splitlines()[0]})"
    left_out = f"; not consolidated: {', '.join(missing)}" if missing else ""
    return f"group warehouse {target}: consolidated {at:%Y-%m-%d %H:%M:%S} from {', '.join(done)}{left_out}"


def status(group: Group, path: Path, args: argparse.Namespace) -> int:
    print(f"group {group.name} ({path}): {len(group.companies)} companies, reporting in {group.currency}")
    for line in status_lines(group):
        print(f"  {line}")
    print(_consolidated_line(group))
    return 0
