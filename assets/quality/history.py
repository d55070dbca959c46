"""``meta.check_results``: one row per evaluation of a check (checks/results.py writes it), the history the quality
views and marts read."""

from __future__ import annotations

import duckdb

CHECK_RESULTS_DDL = """
create table if not exists meta.check_results (
    run_id varchar,                     -- Dagster run (null outside a run)
    checked_at timestamp not null,
    table_name varchar not null,        -- schema.table the check is on
    check_name varchar not null,        -- <dimension>_<subject>
    dimension varchar not null,         -- completeness, uniqueness, validity, consistency, integrity, ...
    severity varchar not null,          -- ERROR blocks what is downstream in the run; WARN is recorded
    is_blocking boolean not null,
    passed boolean not null,
    engine varchar,                     -- gx | sql | manifest
    scope varchar,                      -- which rows were checked
    rows_checked bigint,                -- rows the check considered
    unexpected_count bigint,
    unexpected_pct double,              -- of rows_checked, 0-100
    observed_value varchar,
    threshold varchar,                  -- what passing means (every row, at least 95% of rows, 31 + 5 days, ...)
    sample_keys varchar,                -- JSON list of at most 10 failing keys
    description varchar,                -- what happened and what to do
    duration_ms bigint                  -- the check's share of its suite's run time
)
"""


def ensure_check_results(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists meta")
    con.execute(CHECK_RESULTS_DDL)
