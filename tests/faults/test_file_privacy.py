"""Defect: the warehouse, landing files, reports and the Dagster home were world-readable (0644/0755) although
they hold payroll data. Now what Kinerja creates is owner-only (0600/0700) unless `private_files: false`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def generate(tmp_path: Path, private: str) -> Path:
    env = {
        **os.environ,
        "KINERJA_LANDING_DIR": str(tmp_path / "landing"),
        "KINERJA_ANSWER_KEY_DIR": str(tmp_path / "answer_key"),
        "KINERJA_PRIVATE_FILES": private,
    }
    args = ["generate", "--employees", "20", "--months", "1", "--end-period", "2025-06"]
    script = f"import os; os.umask(0o022); from pipelines.cli import main; raise SystemExit(main({args!r}))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return tmp_path / "landing"


def modes(folder: Path) -> set[str]:
    return {oct(stat.S_IMODE(p.stat().st_mode)) for p in [folder, *folder.rglob("*")]}


def test_what_kinerja_creates_is_owner_only(tmp_path):
    landing = generate(tmp_path, "true")
    files = [p for p in landing.rglob("*") if p.is_file()]
    assert files, "the demo company was written"
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {"0o600"}
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in [landing, *landing.rglob("*")] if p.is_dir()} == {"0o700"}


def test_the_setting_leaves_the_umask_alone(tmp_path):
    landing = generate(tmp_path, "false")
    assert "0o644" in modes(landing)
