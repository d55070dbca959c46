"""Command line: ``python -m generator [--employees N] [--months N] [--end-period YYYY-MM] [--seed N]
[--landing-dir DIR] [--answer-key-dir DIR] [--work-week-days 5|6] [--mid-month-transfers SHARE]
[--anomaly TYPE=N ...] [--no-progress]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.company import generate_company
from generator.config import GeneratorConfig


def _anomaly(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip().lstrip("-").isdigit() or int(value) < 0:
        raise argparse.ArgumentTypeError(f"expected TYPE=N with N >= 0, got {text!r}")
    return name.strip(), int(value)


def build_parser() -> argparse.ArgumentParser:
    defaults = GeneratorConfig.__dataclass_fields__
    p = argparse.ArgumentParser(prog="python -m generator", description="Generate the Kinerja demo company.")
    p.add_argument("--employees", type=int, default=defaults["employees"].default, help="headcount at the start")
    p.add_argument("--months", type=int, default=defaults["months"].default, help="months of history")
    p.add_argument("--end-period", default=None, help="last month YYYY-MM (default: last full month)")
    p.add_argument("--seed", type=int, default=defaults["seed"].default)
    p.add_argument("--landing-dir", type=Path, default=defaults["landing_dir"].default)
    p.add_argument("--answer-key-dir", type=Path, default=defaults["answer_key_dir"].default)
    p.add_argument("--work-week-days", type=int, choices=(5, 6), default=None,
                   help="5 (Mon-Fri) or 6 (Mon-Sat) working days; default: work_week_days of the settings")  # fmt: skip
    p.add_argument("--mid-month-transfers", type=float, default=defaults["mid_month_transfer_share"].default,
                   metavar="SHARE", help="share of transfers effective after the 1st (0-1, default 0)")  # fmt: skip
    p.add_argument(
        "--anomaly",
        type=_anomaly,
        action="append",
        default=[],
        metavar="TYPE=N",
        help="planted count for one anomaly type (repeatable; 0 disables)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = GeneratorConfig(
            employees=args.employees, months=args.months, end_period=args.end_period, seed=args.seed,
            landing_dir=args.landing_dir, answer_key_dir=args.answer_key_dir, anomalies=dict(args.anomaly),
            work_week_days=args.work_week_days, mid_month_transfer_share=args.mid_month_transfers,
            show_progress=not args.no_progress,
        )  # fmt: skip
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = generate_company(config)
    print(format_summary(summary))
    return 0


def format_summary(summary: dict) -> str:
    counts: dict[str, int] = summary["row_counts"]
    width = max(len(k) for k in counts) if counts else 10
    lines = [f"Generated {summary['periods'][0]} .. {summary['periods'][1]} into {summary['landing_dir']}",
             f"{'file':<{width}}  {'rows':>12}", f"{'-' * width}  {'-' * 12}"]  # fmt: skip
    lines += [f"{name:<{width}}  {rows:>12,}" for name, rows in counts.items()]
    lines.append(f"{'total':<{width}}  {sum(counts.values()):>12,}")
    planted = summary["anomalies_planted"]
    lines.append(f"anomalies planted ({sum(planted.values())} answer-key rows, {summary['answer_key_dir']}):")
    lines += [f"  {k}: {v}" for k, v in planted.items()]
    if summary.get("anomalies_skipped"):
        lines.append("not planted (no suitable month or employee): "
                     + ", ".join(f"{k}={v}" for k, v in summary["anomalies_skipped"].items()))  # fmt: skip
    return "\n".join(lines)
