"""Benchmark scenarios, each run in its own child process so its wall time and peak RSS are its own.

    python -m benchmarks.scenarios <scenario> <workdir>

prints one JSON line: {"scenario", "seconds", "peak_rss_mb", ...}. The scenarios:
  nightly      the full nightly_refresh job (Dagster, in-process executor, every check) on a fresh warehouse
  incremental  the same job after one more month of files landed on the warehouse of `nightly`
  bare_sql     the same assets called directly, in order, with no orchestration and no checks: the limit
               (the pages last, in one in-process run of their own, into reports_bare: benchmarks/bare.py)
  rebuild      bare_sql into rebuilt.duckdb, without the pages: a full rebuild, which the warehouse of
               `incremental` must equal table by table
  pandas_kpis  the core KPIs computed with pandas from the landing files, the way an analyst without a
               warehouse would
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

from pipelines.dagster_storage import ephemeral_instance

BARE_REPORTS = "reports_bare"


def _point_settings_at(workdir: Path, warehouse: str) -> None:
    os.environ["KINERJA_LANDING_DIR"] = str(workdir / "landing")
    os.environ["KINERJA_WAREHOUSE_PATH"] = str(workdir / warehouse)
    os.environ.setdefault("KINERJA_REPORTS_DIR", str(workdir / "reports"))  # the harness may set its own
    os.environ["KINERJA_ANSWER_KEY_DIR"] = str(workdir / "answer_key")


def nightly(workdir: Path) -> dict:
    _point_settings_at(workdir, "warehouse.duckdb")  # before the imports: pipelines.definitions reads the settings
    started = time.perf_counter()

    from pipelines.cli import run_nightly
    from pipelines.definitions import build_definitions

    defs = build_definitions()

    startup = time.perf_counter() - started
    result = run_nightly(instance=ephemeral_instance(), defs=defs)
    steps = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
    slowest = sorted(steps.items(), key=lambda kv: -kv[1])[:5]
    return {"success": result.success, "slowest_steps": slowest, "steps": steps, "startup_seconds": startup}


def bare_sql(workdir: Path, warehouse: str = "bare.duckdb", pages: bool = True) -> dict:
    if pages:  # pages of its own, from none: the job's published set would lend it its PDFs (dashboards/pdf.py)
        from benchmarks.harness import remove_pages

        remove_pages(workdir / BARE_REPORTS)
        os.environ["KINERJA_REPORTS_DIR"] = str(workdir / BARE_REPORTS)
    _point_settings_at(workdir, warehouse)  # before the imports: pipelines.definitions reads the settings
    from benchmarks.bare import run_assets_directly
    from pipelines.definitions import build_definitions
    from pipelines.resources import warehouse_resource
    from pipelines.settings import get_settings

    started = time.perf_counter()
    defs = build_definitions()
    startup = time.perf_counter() - started
    seconds = run_assets_directly(defs, warehouse_resource(get_settings()), pages=pages)
    slowest = sorted(seconds.items(), key=lambda kv: -kv[1])[:5]
    return {"success": True, "slowest_steps": slowest, "steps": seconds, "startup_seconds": startup}


def pandas_kpis(workdir: Path) -> dict:
    from benchmarks.pandas_reference import compute_kpis

    frame = compute_kpis(workdir / "landing", int(os.environ.get("KINERJA_REPORTING_MONTHS", "36")))
    frame.to_parquet(workdir / "pandas_kpis.parquet")
    return {"success": True, "rows": len(frame)}


def rebuild(workdir: Path) -> dict:
    """Only the tables are compared: no pages (they would publish over the job's)."""
    return bare_sql(workdir, "rebuilt.duckdb", pages=False)


SCENARIOS = {
    "nightly": nightly,
    "incremental": nightly,
    "bare_sql": bare_sql,
    "rebuild": rebuild,
    "pandas_kpis": pandas_kpis,
}


def main() -> None:
    scenario, workdir = sys.argv[1], Path(sys.argv[2])
    started = time.perf_counter()
    extra = SCENARIOS[scenario](workdir)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"scenario": scenario, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb), **extra}))


if __name__ == "__main__":
    main()
