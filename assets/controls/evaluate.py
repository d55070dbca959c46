"""Score the control and compliance findings against the demo generator's answer key: recall and precision per rule.

    python -m assets.controls.evaluate <warehouse.duckdb> <answer_key_dir>

Opens the warehouse read-only. A planted anomaly (answer_key/anomalies.csv) is found when the rule that
``answer_key_map.yaml`` maps its type to has a finding with the anomaly's key as ``entity_key``. Scores count
distinct keys: recall = planted keys found / planted keys; precision = flagged keys that are planted for that
rule / flagged keys (a rule that flags one employee in several months flags one key). Rules no anomaly type maps
to (Benford, for example) are listed with their number of flagged keys and no score.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from assets.controls.registry import FINDINGS_MARTS, INPUT_MISSING, load_answer_key_map, load_registry


@dataclass
class Score:
    code: str
    kind: str
    planted: set[str] = field(default_factory=set)
    flagged: set[str] = field(default_factory=set)

    @property
    def found(self) -> set[str]:
        return self.planted & self.flagged

    @property
    def recall(self) -> float | None:
        return len(self.found) / len(self.planted) if self.planted else None

    @property
    def precision(self) -> float | None:
        if not self.planted:
            return None
        return len(self.found) / len(self.flagged) if self.flagged else 0.0

    @property
    def missed(self) -> list[str]:
        return sorted(self.planted - self.flagged)

    @property
    def false_positives(self) -> list[str]:
        return sorted(self.flagged - self.planted) if self.planted else []


def read_answer_key(answer_key_dir: Path) -> list[dict[str, str]]:
    with (Path(answer_key_dir) / "anomalies.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def flagged_keys(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table in FINDINGS_MARTS.values():
        for code, key in con.execute(f"select distinct control_code, entity_key from {table}").fetchall():
            out.setdefault(code, set()).add(key)
    return out


def evaluate(con: duckdb.DuckDBPyConnection, answer_key_dir: Path) -> list[Score]:
    """One score per registered rule (and one for input_missing when there are such findings)."""
    mapping = load_answer_key_map()
    scores = {r.code: Score(r.code, r.kind) for r in load_registry()}
    for row in read_answer_key(answer_key_dir):
        code = mapping.get(row["anomaly_type"])
        if code is None:
            raise ValueError(f"anomaly type {row['anomaly_type']!r} is not in answer_key_map.yaml")
        scores[code].planted.add(row["key"])
    for code, keys in flagged_keys(con).items():
        scores.setdefault(code, Score(code, "input" if code == INPUT_MISSING else "unregistered")).flagged |= keys
    return list(scores.values())


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_scores(scores: list[Score]) -> str:
    lines = [f"{'kind':11} {'rule':28} {'planted':>7} {'found':>6} {'flagged':>7} {'recall':>6} {'precision':>9}"]
    for s in sorted(scores, key=lambda s: (s.kind, s.code)):
        lines.append(f"{s.kind:11} {s.code:28} {len(s.planted):>7} {len(s.found):>6} {len(s.flagged):>7} "
                     f"{_fmt(s.recall):>6} {_fmt(s.precision):>9}")  # fmt: skip
        if s.missed:
            lines.append(f"{'':11}   missed: {', '.join(s.missed)}")
        if s.false_positives:
            lines.append(f"{'':11}   not planted: {', '.join(s.false_positives)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("answer_key_dir", type=Path)
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        scores = evaluate(con, args.answer_key_dir)
    print(format_scores(scores))
    scored = [s for s in scores if s.planted]
    ok = all(s.recall == 1.0 and (s.precision or 0) >= 0.9 for s in scored)
    print(f"\n{len(scored)} rules scored; every planted anomaly found with precision >= 0.9: {'yes' if ok else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
