"""Shared fixtures: a scratch warehouse, and settings pointed at a temporary project folder."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
sys.path.insert(0, str(PROJECT_ROOT / "tests"))  # tests import fixtures.* helpers


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
