"""Benchmark scenarios, each run in its own child process so its wall time and peak RSS are its own.

    python -m benchmarks.scenarios <scenario> <workdir>

prints one JSON line: {"scenario", "seconds", "peak_rss_mb", ...}. The scenarios:
  nightly      the full nightly_refresh job (Dagster, in-process executor, every check) on a fresh warehouse
  incremental  the same job after one more month of files landed on the warehouse of `nightly`
  bare_sql     the same ingestion and SQL models with no orchestration and no checks: the limit
  pandas_kpis  the core KPIs computed with pandas from the landing files, the way an analyst without a
               warehouse would
"""

import json
import os
import resource
import sys
import time
from pathlib import Path


def _point_settings_at(workdir: Path, warehouse: str) -> None:
    os.environ["KINERJA_LANDING_DIR"] = str(workdir / "landing")
    os.environ["KINERJA_WAREHOUSE_PATH"] = str(workdir / warehouse)
    os.environ["KINERJA_REPORTS_DIR"] = str(workdir / "reports")
    os.environ["KINERJA_ANSWER_KEY_DIR"] = str(workdir / "answer_key")


def nightly(workdir: Path) -> dict:
    import dagster as dg

    from pipelines.cli import run_nightly

    _point_settings_at(workdir, "warehouse.duckdb")
    result = run_nightly(instance=dg.DagsterInstance.ephemeral())
    steps = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
    slowest = sorted(steps.items(), key=lambda kv: -kv[1])[:5]
    return {"success": result.success, "slowest_steps": slowest, "steps": steps}


def bare_sql(workdir: Path) -> dict:
    import duckdb

    from assets.ingest.contracts import discover_contracts, load_contract
    from assets.ingest.loader import ingest_contract
    from assets.ingest.staging import build_staging
    from assets.kpi.assets import build_kpi_values
    from assets.reference.assets import load_reference_table, reference_files
    from benchmarks.models import all_models_in_order
    from pipelines.settings import get_settings
    from pipelines.sqlmodels import run_model

    _point_settings_at(workdir, "bare.duckdb")
    settings = get_settings()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'; set threads = {settings.duckdb_threads}")
        for path in reference_files():
            load_reference_table(con, path, settings.country)
        for path in discover_contracts(settings.contracts_dir):
            contract = load_contract(path)
            ingest_contract(con, contract, settings.landing_dir)
            build_staging(con, contract)
        for model in all_models_in_order():
            run_model(con, model, settings)
        build_kpi_values(con, settings)
    return {"success": True}


def pandas_kpis(workdir: Path) -> dict:
    from benchmarks.pandas_reference import compute_kpis

    frame = compute_kpis(workdir / "landing", int(os.environ.get("KINERJA_REPORTING_MONTHS", "36")))
    frame.to_parquet(workdir / "pandas_kpis.parquet")
    return {"success": True, "rows": len(frame)}


SCENARIOS = {"nightly": nightly, "incremental": nightly, "bare_sql": bare_sql, "pandas_kpis": pandas_kpis}


def main() -> None:
    scenario, workdir = sys.argv[1], Path(sys.argv[2])
    started = time.perf_counter()
    extra = SCENARIOS[scenario](workdir)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"scenario": scenario, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb), **extra}))


if __name__ == "__main__":
    main()
