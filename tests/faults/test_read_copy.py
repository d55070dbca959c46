"""Defect: analysts and `kinerja status` opened the warehouse itself read-only. A reader holding it for more than
about 100 s during a run made the run fail after the DuckDB resource's back-off (DuckDB allows one writer or many
readers per file, across processes), leaving some pages of the new night and some of the old. Now the run writes
only its own file; the publish step checkpoints it and replaces the read copy (data/warehouse.read.duckdb, setting
read_copy_path) in one rename, and every reader opens the read copy."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from fixtures.project import forget_settings, point_settings_at

pytestmark = pytest.mark.integration

HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); print('held', flush=True); "
    "time.sleep(60)"
)


def test_a_reader_of_the_warehouse_itself_blocks_the_writer(tmp_path):
    """Why readers must not open the warehouse: a read-only connection in another process locks out the run."""
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    reader = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "held"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(path))
    finally:
        reader.kill()
        reader.wait()


def test_a_reader_of_the_read_copy_never_fails_nor_fails_the_night(two_nights):
    first, second = two_nights["runs"]
    assert first.success and second.success
    before, after = two_nights["digests"]
    assert before != after, "the two nights have different marts"
    fresh, held = two_nights["reads"]["fresh"], two_nights["reads"]["held"]
    assert fresh["errors"] == [] and held["errors"] == [], "no reader ever failed"
    assert len(fresh["reads"]) >= 10 and len(held["reads"]) >= 10, "the readers read throughout the night"
    assert set(fresh["reads"]) <= {before, after}, "every read saw one night's rows, never a mix"
    assert fresh["reads"][0] == before and fresh["reads"][-1] == after
    # the connection held through the publish kept its night, and did not keep the publish from renaming
    assert set(held["reads"]) == {before}


def test_the_read_copy_is_published_with_the_pages(two_nights):
    settings = two_nights["settings"]
    second = two_nights["runs"][1]
    [published] = [
        m for m in second.get_asset_materialization_events() if m.asset_key.path == ["reports", "published"]
    ]  # fmt: skip
    metadata = published.step_materialization_data.materialization.metadata
    assert metadata["read_copy"].value == str(settings.read_copy)
    assert metadata["read_copy_mb"].value > 0
    assert settings.read_copy.stat().st_mode & 0o077 == 0, "owner-only, like the warehouse"
    leftovers = [p.name for p in settings.read_copy.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with duckdb.connect(str(settings.read_copy), read_only=True) as con:
        tables = {t for (t,) in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
    assert {"marts.kpi_values", "meta.load_manifest", "meta.check_results"} <= tables


def test_status_reads_the_read_copy(two_nights, capsys, monkeypatch):
    from pipelines.cli import main

    settings = point_settings_at(monkeypatch, two_nights["root"], 3)
    assert settings == two_nights["settings"]
    with duckdb.connect(str(settings.warehouse_path)):  # a writer holds the warehouse: status still works
        assert main(["status"]) == 0
    forget_settings()
    out = capsys.readouterr().out
    assert f"read copy of the last published night {settings.read_copy}" in out
