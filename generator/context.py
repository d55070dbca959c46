"""Shared state of one generation run: config, seeded random streams, periods, reference data, answer key."""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from generator.calendar import Calendar, Month, month_end, month_start, period_range
from generator.config import GeneratorConfig
from generator.reference import Reference

_MONTHLY = re.compile(r"_\d{4}_\d{2}\.[a-z]+$")
ANSWER_KEY_COLUMNS = ("anomaly_type", "entity", "key", "period", "description")


@dataclass
class AnswerKey:
    """Collects every planted anomaly (HR, payroll and finance) for ``answer_key_dir/anomalies.csv``."""

    rows: list[dict[str, str]] = field(default_factory=list)

    def add(self, anomaly_type: str, entity: str, key: str, period: str, description: str) -> None:
        self.rows.append(
            {
                "anomaly_type": anomaly_type,
                "entity": entity,
                "key": str(key),
                "period": period,
                "description": description,
            }
        )

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row["anomaly_type"]] = out.get(row["anomaly_type"], 0) + 1
        return dict(sorted(out.items()))

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "anomalies.csv"
        rows = sorted(self.rows, key=lambda r: (r["anomaly_type"], r["period"], r["key"]))
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=ANSWER_KEY_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return path


class Context:
    """Everything a generator step needs. ``rng`` is the run's main stream; ``stream(*keys)`` gives an
    independent, reproducible stream per purpose so one step's draws never shift another's."""

    def __init__(self, config: GeneratorConfig, reference: Reference | None = None) -> None:
        self.config = config
        self.seed = config.seed
        self.rng = np.random.default_rng(config.seed)
        self.reference = reference or Reference()
        assert config.end_period is not None
        #: the months written to the landing files, oldest first ('YYYY-MM')
        self.periods: list[str] = period_range(config.end_period, config.months)
        # The payroll history starts with the first period: nothing before it is simulated, so every
        # year-to-date figure (PPh 21, annual leave) can be recomputed from the landing files alone.
        self.sim_periods: list[str] = list(self.periods)
        self.calendar = Calendar(self.reference, self.sim_periods, set(self.periods), config.work_week_days)
        self.months: list[Month] = [m for m in self.calendar.months if m.in_window]
        self.start_date = month_start(self.periods[0])
        self.end_date = month_end(month_start(self.periods[-1]))
        self.sim_start = month_start(self.sim_periods[0])
        self.landing_dir = Path(config.landing_dir)
        self.answer_key_dir = Path(config.answer_key_dir)
        self.answer_key = AnswerKey()
        self.row_counts: dict[str, int] = {}
        self.started = time.perf_counter()

    def stream(self, *keys: int | str) -> np.random.Generator:
        """An independent generator for one purpose, e.g. ``ctx.stream('attendance', 2025, 3)``."""
        ints = [self.seed] + [k if isinstance(k, int) else _stable_hash(k) for k in keys]
        return np.random.default_rng(ints)

    def month(self, period: str) -> Month:
        return self.calendar.by_period[period]

    def landing(self, relative: str) -> Path:
        path = self.landing_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def count(self, file: str, rows: int) -> None:
        """Add rows written to ``file``; monthly files (``*_YYYY_MM.*``) count under their folder."""
        if _MONTHLY.search(file):
            file = file.rsplit("/", 1)[0]
        self.row_counts[file] = self.row_counts.get(file, 0) + int(rows)

    def write_generation_json(self, extra: dict | None = None) -> Path:
        self.answer_key_dir.mkdir(parents=True, exist_ok=True)
        path = self.answer_key_dir / "generation.json"
        payload = {
            "config": self.config.to_json(),
            "periods": {"first": self.periods[0], "last": self.periods[-1], "count": len(self.periods)},
            "row_counts": dict(sorted(self.row_counts.items())),
            "anomalies_planted": self.answer_key.counts(),
            "elapsed_seconds": round(time.perf_counter() - self.started, 2),
        }
        payload.update(extra or {})
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return path


def _stable_hash(text: str) -> int:
    """A process-independent integer for a string key (Python's hash() is salted per process)."""
    value = 0
    for ch in text.encode("utf-8"):
        value = (value * 131 + ch) % (2**61 - 1)
    return value
