"""The one DuckDB resource. The nightly job runs in-process, so this process is the warehouse's only writer.

Each step asks the resource for a connection and closes it. Opening a DuckDB file is not free (its catalog is read
and, when the last connection closes, its write-ahead log is checkpointed): about 40 ms on a small warehouse,
paid by each of the night's ~280 steps. So the resource holds one anchor connection for the run; a step's
connection then comes from DuckDB's per-process database cache in well under a millisecond, and the file is
checkpointed when the run ends. A step that needs the file with another configuration (staging runs the
contracts' SQL with external access off, ``assets/ingest/staging.isolated_connection``) releases the anchor
first; the next step takes it again.
"""

from __future__ import annotations

from contextlib import contextmanager
from threading import Lock

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.settings import Settings

_anchors: dict[str, duckdb.DuckDBPyConnection] = {}
_lock = Lock()
# what dagster_duckdb adds to every connection's configuration; DuckDB wants one configuration per file
USER_AGENT = {"custom_user_agent": "dagster"}


def release_anchor(database: str) -> None:
    """Close this process's anchor connection to ``database``, if it holds one."""
    with _lock:
        anchor = _anchors.pop(str(database), None)
    if anchor is not None:
        anchor.close()


class WarehouseResource(DuckDBResource):
    """``DuckDBResource`` with one connection held open for the run (see the module's docstring)."""

    @contextmanager
    def get_connection(self):
        with _lock:
            if self.database not in _anchors:
                _anchors[self.database] = duckdb.connect(self.database, config={**USER_AGENT, **self.connection_config})
        with super().get_connection() as connection:
            yield connection

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        release_anchor(self.database)


def warehouse_resource(settings: Settings) -> WarehouseResource:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return WarehouseResource(
        database=str(settings.warehouse_path),
        connection_config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads},
    )
