"""Benchmark harness: `make bench SIZE=S|M|L` (S = 400 x 36, M = 5,000 x 60, L = 20,000 x 60).

Generates the company once per size (with one month more than the size, kept back), then measures in child
processes, all within this one run so the ratios compare like with like:
  (a) the full nightly job on a fresh warehouse, (b) the job again after the kept-back month lands,
  (c) the same transformations as bare DuckDB SQL with no orchestration and no checks,
  (d) the core KPIs in pandas from the landing files, checked to give the warehouse's numbers,
  (e) a full rebuild of the transformations on every file, whose tables must hash as the warehouse of (b) does
      (``--no-rebuild-check`` leaves it out).
Prints a table and writes benchmarks/results/<SIZE>/results.json. Not a test: figures, not assertions.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.layers import LAYERS, breakdown
from benchmarks.table_hashes import differences, table_hashes
from dashboards.pdf import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"S": (400, 36), "M": (5000, 60), "L": (20000, 60)}
MONTHLY_FILE = re.compile(r"_(\d{4})_(\d{2})\.(csv|parquet)$")
SEED = 42
# The reference data (minimum wages, holidays) starts in 2023: the company starts then and runs months + 1
# months, so M and L reach into 2028, where the calendar has no public holidays and minimum-wage rules say
# "no reference rate". The volumes, not the dates, are what is measured.
START_PERIOD = "2023-01"


def end_period(months: int) -> str:
    """The month after START_PERIOD + months - 1: the last, kept-back month of a months + 1 company."""
    year, month = map(int, START_PERIOD.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def run_child(scenario: str, workdir: Path, months: int, extra_env: dict | None = None) -> dict:
    env = dict(os.environ, KINERJA_REPORTING_MONTHS=str(months), PYTHONHASHSEED="0", **(extra_env or {}))
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.scenarios", scenario, str(workdir)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{scenario} failed:\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    return result


def remove_pages(reports_dir: Path) -> None:
    """Remove a reports folder (a link to the published build) and every build beside it, so the full night starts
    with no published set: else it would reuse the PDFs of the previous harness run."""
    from dashboards.publish import builds_root

    if reports_dir.is_symlink():
        reports_dir.unlink()
    shutil.rmtree(reports_dir, ignore_errors=True)
    shutil.rmtree(builds_root(reports_dir), ignore_errors=True)


def generate(workdir: Path, employees: int, months: int) -> dict:
    """The company with months + 1 months into workdir/source (reused when it is already there)."""
    source = workdir / "source"
    stamp = source / "answer_key" / "generation.json"
    wanted = {"employees": employees, "months": months + 1, "seed": SEED, "end_period": end_period(months)}
    if stamp.exists():
        config = json.loads(stamp.read_text()).get("config", {})
        if all(config.get(k) == v for k, v in wanted.items()):
            return {"generation_seconds": json.loads(stamp.read_text()).get("elapsed_seconds"), "reused": True}
    shutil.rmtree(source, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "generator", "--employees", str(employees), "--months", str(months + 1),
         "--end-period", end_period(months), "--seed", str(SEED), "--landing-dir", str(source / "landing"),
         "--answer-key-dir", str(source / "answer_key"), "--no-progress"],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return {"generation_seconds": round(time.perf_counter() - started, 1), "reused": False}


# Exports that hold every month in one file, and the column dating each row: before the last month lands, their
# rows of that month are left out too, as last month's export of the HR and AP systems would not have them yet.
GROWING_FILES = {
    "hris/job_history.csv": "event_date",
    "hris/leave.csv": "start_date",
    "hris/training.csv": "start_date",
    "finance/ap_invoices.csv": "invoice_date",
}


def stage_landing(workdir: Path, months: int, include_last_month: bool) -> None:
    """Link the source files into workdir/landing, holding back the last month: its monthly files, and its rows of
    the files that grow (``GROWING_FILES``, written without them)."""
    import duckdb

    source, landing = workdir / "source" / "landing", workdir / "landing"
    last = end_period(months).replace("-", "_")
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        match = MONTHLY_FILE.search(path.name)
        if match and f"{match[1]}_{match[2]}" == last and not include_last_month:
            continue
        name = path.relative_to(source)
        target = landing / name
        target.parent.mkdir(parents=True, exist_ok=True)
        dated_by = GROWING_FILES.get(name.as_posix())
        if dated_by and not include_last_month:
            with duckdb.connect() as con:
                con.execute(
                    f"copy (select * from read_csv(?, all_varchar = true) where \"{dated_by}\" < ?) to '{target}' "
                    "(header)",
                    [str(path), f"{end_period(months)}-01"],
                )
        elif dated_by and not (target.exists() and target.samefile(path)):
            target.unlink(missing_ok=True)
            os.link(path, target)
        elif not target.exists():
            os.link(path, target)


def compare_with_pandas(workdir: Path) -> dict:
    import duckdb
    import pandas as pd

    from benchmarks.pandas_reference import KEYS

    expected = pd.read_parquet(workdir / "pandas_kpis.parquet")
    codes = sorted(expected["kpi_code"].unique())
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        actual = con.execute(
            f"select period, department_id, kpi_code, value from marts.kpi_values where kpi_code in "
            f"({', '.join(repr(c) for c in codes)})"
        ).df()
    actual["period"] = pd.to_datetime(actual["period"])
    merged = expected.merge(actual, on=KEYS, how="outer", suffixes=("_pandas", "_sql"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    differ = (both["value_pandas"].fillna(-1) - both["value_sql"].fillna(-1)).abs() > 1e-9
    return {"kpi_rows": len(merged), "only_one_side": int((merged["_merge"] != "both").sum()),
            "values_differ": int(differ.sum())}  # fmt: skip


def compare_bare_with_nightly(workdir: Path) -> dict:
    """The bare run must build the same KPI values as the job (same transformations, nothing left out)."""
    import duckdb

    with duckdb.connect() as con:
        con.execute(f"attach '{workdir / 'warehouse.duckdb'}' as job (read_only)")
        con.execute(f"attach '{workdir / 'bare.duckdb'}' as bare (read_only)")
        columns = "period, department_id, kpi_code, value"
        only_job = con.execute(
            f"select count(*) from (select {columns} from job.marts.kpi_values "
            f"except all select {columns} from bare.marts.kpi_values)"
        ).fetchall()[0][0]
        only_bare = con.execute(
            f"select count(*) from (select {columns} from bare.marts.kpi_values "
            f"except all select {columns} from job.marts.kpi_values)"
        ).fetchall()[0][0]
        rows = con.execute("select count(*) from job.marts.kpi_values").fetchall()[0][0]
    return {"kpi_rows": rows, "only_in_job": only_job, "only_in_bare": only_bare}


def compare_with_rebuild(workdir: Path, months: int) -> dict:
    """Rebuild every table from all the landed files (``rebuild``: the bare assets on a new warehouse) and hash
    both warehouses: after the new-month night every table must equal the full rebuild's."""
    (workdir / "rebuilt.duckdb").unlink(missing_ok=True)
    run_child("rebuild", workdir, months)
    night, rebuilt = table_hashes(workdir / "warehouse.duckdb"), table_hashes(workdir / "rebuilt.duckdb")
    (workdir / "rebuilt.duckdb").unlink()
    return {"tables": len(set(night) & set(rebuilt)), "differing": differences(night, rebuilt)}


def lake_nights(workdir: Path, months: int) -> dict:
    """The full night and the new month again on the ``ducklake`` backend (a throw-away Postgres catalog, Parquet
    data in workdir/lake), on the same landing files; its KPI values compared with the DuckDB file's."""
    import duckdb

    from pipelines.postgres import temporary_postgres
    from pipelines.settings import load_settings
    from pipelines.warehouse import open_reader

    shutil.rmtree(workdir / "lake", ignore_errors=True)
    remove_pages(workdir / "reports_lake")
    with temporary_postgres() as pg:
        env = {
            "KINERJA_WAREHOUSE_BACKEND": "ducklake",
            "KINERJA_DUCKLAKE_CATALOG": f"dbname={pg.database} host={pg.host} port={pg.port} user={pg.user}",
            "KINERJA_DUCKLAKE_DATA_PATH": str(workdir / "lake"),
            "KINERJA_REPORTS_DIR": str(workdir / "reports_lake"),
        }
        stage_landing(workdir, months, include_last_month=False)
        shutil.rmtree(workdir / "landing", ignore_errors=True)
        stage_landing(workdir, months, include_last_month=False)
        full = run_child("nightly", workdir, months, env)
        stage_landing(workdir, months, include_last_month=True)
        incremental = run_child("incremental", workdir, months, env)
        columns = "period, department_id, kpi_code, value"
        settings = load_settings(environ={**os.environ, **env, "KINERJA_LANDING_DIR": str(workdir / "landing"),
                                          "KINERJA_WAREHOUSE_PATH": str(workdir / "warehouse.duckdb")})  # fmt: skip
        with open_reader(settings) as con:
            con.execute(f"attach '{workdir / 'warehouse.duckdb'}' as file (read_only)")
            differ = con.execute(
                f"select count(*) from (select {columns} from warehouse.marts.kpi_values except all "
                f"select {columns} from file.marts.kpi_values)"
            ).fetchall()[0][0]
            rows = con.execute("select count(*) from warehouse.marts.kpi_values").fetchall()[0][0]
    del duckdb
    return {"nightly": full, "incremental": incremental, "kpi_rows": rows, "kpi_rows_not_in_duckdb": differ}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument(
        "--backends", default="duckdb", help="duckdb, or duckdb,ducklake: the nights on both, side by side"
    )
    parser.add_argument(
        "--no-rebuild-check", action="store_true", help="skip (e): the full rebuild compared with the new-month night"
    )
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    employees, months = SIZES[args.size]
    workdir = ROOT / "benchmarks" / "results" / args.size
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(workdir / "landing", ignore_errors=True)
    remove_pages(workdir / "reports")
    for stale in ("warehouse.duckdb", "bare.duckdb", "rebuilt.duckdb", "pandas_kpis.parquet"):
        (workdir / stale).unlink(missing_ok=True)
    generation = generate(workdir, employees, months)
    stage_landing(workdir, months, include_last_month=False)
    full = run_child("nightly", workdir, months)
    bare = run_child("bare_sql", workdir, months)
    pandas = run_child("pandas_kpis", workdir, months)
    agreement = compare_with_pandas(workdir)
    bare_agreement = compare_bare_with_nightly(workdir)
    stage_landing(workdir, months, include_last_month=True)
    incremental = run_child("incremental", workdir, months)
    rebuilt = None if args.no_rebuild_check else compare_with_rebuild(workdir, months)
    kpi_seconds = sum(s for k, s in full["steps"].items() if k.startswith("marts__kpi"))
    results = {
        "size": args.size, "employees": employees, "months": months,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "prints_pdfs": CHROMIUM.exists()},
        "generation": generation, "nightly": full, "incremental": incremental, "bare_sql": bare,
        "pandas_kpis": pandas, "pandas_vs_warehouse": agreement,
        "bare_vs_job": bare_agreement,
        "new_month_vs_rebuild": rebuilt,
        "ratios": {
            "nightly_over_bare_sql": round(full["seconds"] / bare["seconds"], 2),
            "incremental_over_nightly": round(incremental["seconds"] / full["seconds"], 3),
            "pandas_over_kpi_step": round(pandas["seconds"] / kpi_seconds, 1) if kpi_seconds else None,
        },
        "kpi_step_seconds": round(kpi_seconds, 2),
    }  # fmt: skip
    if "ducklake" in backends:
        lake = lake_nights(workdir, months)
        results["ducklake"] = lake
        results["ratios"]["ducklake_over_duckdb_nightly"] = round(lake["nightly"]["seconds"] / full["seconds"], 2)
        results["ratios"]["ducklake_over_duckdb_incremental"] = round(
            lake["incremental"]["seconds"] / incremental["seconds"], 2
        )
        for result in (lake["nightly"], lake["incremental"]):
            result["layers"] = breakdown(result["steps"], result["seconds"], result.get("startup_seconds", 0.0))
    for name, result in (("nightly", full), ("incremental", incremental), ("bare_sql", bare)):
        results[name]["layers"] = breakdown(result["steps"], result["seconds"], result.get("startup_seconds", 0.0))
    (workdir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nKinerja benchmark, size {args.size}: {employees:,} employees x {months} months "
          f"({os.cpu_count()} CPUs, {platform.platform()})")  # fmt: skip
    # the pages layer prints the monthly reviews to PDF only where Chromium is installed (dashboards/pdf.py)
    print(f"  monthly review PDFs   {'printed' if CHROMIUM.exists() else f'not printed: no {CHROMIUM}'}")
    print(f"  generation            {generation['generation_seconds']} s{' (reused)' if generation['reused'] else ''}")
    print(f"  {'scenario':22}{'seconds':>10}{'peak RSS MB':>14}")
    for name, result in (("nightly (full)", full), ("incremental month", incremental), ("bare DuckDB SQL", bare),
                         ("pandas core KPIs", pandas)):  # fmt: skip
        print(f"  {name:22}{result['seconds']:>10.1f}{result['peak_rss_mb']:>14,}")
    print(f"  KPI step in the job   {kpi_seconds:>10.1f}")
    for name, value in results["ratios"].items():
        print(f"  {name:26}{value}")
    print(f"  pandas vs warehouse: {agreement}")
    print(f"  bare SQL vs job:     {bare_agreement}")
    if rebuilt is not None:
        print(f"  new month vs a full rebuild: {rebuilt['tables']} tables, differing: {rebuilt['differing'] or 'none'}")
    print(f"  {'seconds by layer':22}" + "".join(f"{layer:>10}" for layer in LAYERS))
    for name in ("nightly", "incremental", "bare_sql"):
        print(f"  {name:22}" + "".join(f"{results[name]['layers'][layer]:>10.1f}" for layer in LAYERS))
    if "ducklake" in results:
        lake = results["ducklake"]
        print(f"  {'backend':22}{'full s':>10}{'new month s':>14}{'peak RSS MB':>14}")
        for name, pair in (("duckdb", (full, incremental)), ("ducklake", (lake["nightly"], lake["incremental"]))):
            print(f"  {name:22}{pair[0]['seconds']:>10.1f}{pair[1]['seconds']:>14.1f}{pair[0]['peak_rss_mb']:>14,}")
        print(f"  ducklake KPI rows not in duckdb: {lake['kpi_rows_not_in_duckdb']} of {lake['kpi_rows']}")
        for name in ("nightly", "incremental"):
            print(f"  ducklake {name:13}" + "".join(f"{lake[name]['layers'][layer]:>10.1f}" for layer in LAYERS))
    print("  slowest steps of the full run:", ", ".join(f"{k} {v:.1f}s" for k, v in full["slowest_steps"]))
    print(f"results: {workdir / 'results.json'}")


if __name__ == "__main__":
    main()
