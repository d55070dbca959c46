"""``pipelines.db.checkpoint_at_end``: while a source's files land, the warehouse file is checkpointed once at the
end, not each time its write-ahead log passes DuckDB's 16MB."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.db import checkpoint_at_end


def threshold(con) -> str:
    return con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]


def land_batches(con, batches: int = 16) -> list[int]:
    """Commit ``batches`` small loads (each under a row group, so each goes through the write-ahead log); the
    log's size after each."""
    con.execute("create table if not exists raw_rows (n bigint, text varchar)")
    sizes = []
    for batch in range(batches):
        con.execute(f"insert into raw_rows select range, 'row ' || range || ' of batch {batch}' from range(60000)")
        sizes.append(wal_size(con))
    return sizes


def wal_size(con) -> int:
    path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    try:
        with open(f"{path}.wal", "rb") as wal:
            return len(wal.read())
    except FileNotFoundError:
        return 0


def test_the_log_grows_past_16mb_inside_and_is_checkpointed_once_at_the_end(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        before = threshold(con)
        plain = land_batches(con)  # DuckDB's own threshold: checkpointed on the way, the log never far past 16MB
        assert max(plain) < 24 * 2**20 and plain[-1] < max(plain)
        con.execute("checkpoint")
        with checkpoint_at_end(con):
            assert threshold(con) == "244.1 MiB"
            sizes = land_batches(con)
            assert sizes == sorted(sizes) and sizes[-1] > 24 * 2**20  # never checkpointed inside
        assert threshold(con) == before and wal_size(con) == 0
        assert con.execute("select count(*) from raw_rows").fetchone() == (2 * 16 * 60000,)


def test_a_failing_block_restores_the_threshold(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        before = threshold(con)
        with pytest.raises(duckdb.Error), checkpoint_at_end(con):
            con.execute("select * from missing_table")
        assert threshold(con) == before
