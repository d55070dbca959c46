"""Shared fixtures: a scratch warehouse, and settings pointed at a temporary project folder."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
sys.path.insert(0, str(PROJECT_ROOT / "tests"))  # tests import fixtures.* helpers


# The files whose nights take longest run first: on two workers (make test: pytest-xdist, one file per worker at a
# time, in collection order) they then overlap the many short files instead of ending the run alone.
LONGEST_FIRST = (
    "tests/integration/test_ducklake.py",
    "tests/faults/test_kill_anywhere.py",
    "tests/faults/test_read_copy.py",
    "tests/integration/test_cli_run.py",
    "tests/integration/test_group.py",
    "tests/integration/test_nightly.py",
    "tests/integration/test_new_month.py",
    "tests/integration/test_extend.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def isolated_settings(tmp_path, monkeypatch):
    """Point every path setting at tmp_path and return the settings object the pipeline will read."""
    from pipelines import settings as settings_module

    monkeypatch.setenv("KINERJA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("KINERJA_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("KINERJA_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("KINERJA_ANSWER_KEY_DIR", str(tmp_path / "answer_key"))
    settings_module.get_settings.cache_clear()
    yield settings_module.get_settings()
    settings_module.get_settings.cache_clear()
