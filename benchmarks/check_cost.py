"""What the quality checks cost: every staging and core suite run by Great Expectations (rows pulled into pandas,
as the nightly checks do) and the same checks as plain DuckDB SQL, on the same rows, with a check that both
engines count the same unexpected rows. Prints a table; not a test (figures, not assertions).

    python -m benchmarks.check_cost --warehouse /path/to/warehouse.duckdb   # a warehouse the nightly job built
    python -m benchmarks.check_cost --workdir /tmp/kinerja-checks           # generate 400 x 36, run, measure

The warehouse is opened read-only; the suites are those the nightly job runs (contracts_dir of the settings
and the suites beside the models), each on its nightly scope (newest load for the monthly staging sources).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_company(workdir: Path, employees: int, months: int) -> Path:
    """Generate the demo company into ``workdir`` and run the nightly job there; returns the warehouse path."""
    env = dict(
        os.environ,
        KINERJA_LANDING_DIR=str(workdir / "landing"),
        KINERJA_WAREHOUSE_PATH=str(workdir / "warehouse.duckdb"),
        KINERJA_REPORTS_DIR=str(workdir / "reports"),
        KINERJA_ANSWER_KEY_DIR=str(workdir / "answer_key"),
        KINERJA_REPORTING_MONTHS=str(months),
    )
    if not (workdir / "landing").exists():
        subprocess.run(
            [sys.executable, "-m", "generator", "--employees", str(employees), "--months", str(months),
             "--landing-dir", str(workdir / "landing"), "--answer-key-dir", str(workdir / "answer_key"),
             "--no-progress"],
            cwd=ROOT, check=True, env=env,
        )  # fmt: skip
    if not (workdir / "warehouse.duckdb").exists():
        subprocess.run([str(Path(sys.executable).parent / "kinerja"), "run", "--no-generate"], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
    return workdir / "warehouse.duckdb"


def suites_in(con) -> list:
    from checks.models import model_suites
    from checks.staging import staging_suites

    existing = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    return [s for s in staging_suites() + model_suites("core") if s.table in existing]


def measure(con, suite, engine: str, repeat: int) -> tuple[float, object]:
    from checks.runner import run_suite

    times, run = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        run = run_suite(con, suite, engine)
        times.append(time.perf_counter() - started)
    return statistics.median(times), run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a warehouse built by the nightly job")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kinerja-check-cost"))
    parser.add_argument("--employees", type=int, default=400)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3, help="runs per suite and engine (the median is shown)")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or build_company(args.workdir, args.employees, args.months)

    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    suites = suites_in(con)
    measure(con, suites[0], "gx", 1)  # warm-up: GX's first validation loads its expectation registry
    print(f"warehouse {warehouse}; median of {args.repeat} runs per suite and engine\n")
    print(f"{'table':44} {'checks':>6} {'rows':>9} {'GX s':>7} {'SQL s':>7} {'GX/SQL':>7}  scope")
    totals = {"checks": 0, "gx": 0.0, "sql": 0.0}
    disagreements = []
    for suite in suites:
        gx_seconds, gx_run = measure(con, suite, "gx", args.repeat)
        sql_seconds, sql_run = measure(con, suite, "sql", args.repeat)
        for g, s in zip(gx_run.outcomes, sql_run.outcomes, strict=True):
            if (g.passed, g.rows_checked, g.unexpected_count) != (s.passed, s.rows_checked, s.unexpected_count):
                disagreements.append(f"{suite.table}:{g.name}")
        totals["checks"] += len(suite.checks)
        totals["gx"] += gx_seconds
        totals["sql"] += sql_seconds
        print(f"{suite.table:44} {len(suite.checks):>6} {gx_run.rows:>9,} {gx_seconds:>7.3f} {sql_seconds:>7.3f} "
              f"{gx_seconds / max(sql_seconds, 1e-9):>7.1f}  {gx_run.scope}")  # fmt: skip
    print(f"{'all ' + str(len(suites)) + ' tables':44} {totals['checks']:>6} {'':>9} {totals['gx']:>7.2f} "
          f"{totals['sql']:>7.2f} {totals['gx'] / max(totals['sql'], 1e-9):>7.1f}")  # fmt: skip
    failed = sum(not o.passed for s in suites for o in measure(con, s, "sql", 1)[1].outcomes)
    print(f"\nchecks failing on this company: {failed}; engines disagree on: {disagreements or 'nothing'}")
    con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
