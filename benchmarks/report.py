"""The latest `make bench` results of every size as one Markdown table (for the README and closing notes).

python -m benchmarks.report
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def rows() -> list[dict]:
    found = []
    for size in ("S", "M", "L"):
        path = RESULTS / size / "results.json"
        if path.exists():
            found.append(json.loads(path.read_text()))
    return found


def table(results: list[dict]) -> str:
    lines = [
        "| size | employees x months | generate s | full job s (peak MB) | one new month s (peak MB) "
        "| bare SQL s (peak MB) | job / bare | new month / full | pandas KPIs s | KPI step s | pandas / KPI step |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        full, inc, bare, pandas = r["nightly"], r["incremental"], r["bare_sql"], r["pandas_kpis"]
        ratios = r["ratios"]
        lines.append(
            f"| {r['size']} | {r['employees']:,} x {r['months']} | {r['generation']['generation_seconds']} "
            f"| {full['seconds']:.1f} ({full['peak_rss_mb']:,}) | {inc['seconds']:.1f} ({inc['peak_rss_mb']:,}) "
            f"| {bare['seconds']:.1f} ({bare['peak_rss_mb']:,}) | {ratios['nightly_over_bare_sql']} "
            f"| {ratios['incremental_over_nightly']:.0%} | {pandas['seconds']:.1f} | {r['kpi_step_seconds']} "
            f"| {ratios['pandas_over_kpi_step']} |"
        )
    return "\n".join(lines)


def layer_table(results: list[dict]) -> str:
    """Seconds per layer of the full night, the new month and the bare assets, per size."""
    from benchmarks.layers import LAYERS

    lines = ["| size | run | " + " | ".join(LAYERS) + " |", "|---|---|" + "---|" * len(LAYERS)]
    for r in results:
        for run in ("nightly", "incremental", "bare_sql"):
            layers = r[run].get("layers")
            if layers:
                lines.append(f"| {r['size']} | {run} | " + " | ".join(f"{layers[k]:.1f}" for k in LAYERS) + " |")
    return "\n".join(lines)


def slowest(results: list[dict], n: int = 3) -> str:
    out = []
    for r in results:
        steps = sorted(r["nightly"]["steps"].items(), key=lambda kv: -kv[1])[:n]
        out.append(f"{r['size']}: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps))
    return "\n".join(out)


if __name__ == "__main__":
    results = rows()
    print(table(results))
    print()
    print(layer_table(results))
    print()
    print(slowest(results))
