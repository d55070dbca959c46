"""``pipelines.db.table_exists``, asked a thousand times a night (models, staging, checks, every page): a table or
a view of the connection's own database, answered by binding an empty select, and by the catalog when that fails;
``schema_tables``, the tables of a schema (the quarantine tables the quality pages count, the findings marts)."""

from __future__ import annotations

import duckdb

from pipelines.db import schema_tables, table_exists


def test_tables_and_views_of_the_own_database_exist(con):
    con.execute("create schema s; create table s.t (x int); create view s.v as select * from s.t")
    con.execute('create schema "odd ""name"""; create table "odd ""name""".t (x int)')
    assert table_exists(con, "s.t") and table_exists(con, "s.v") and table_exists(con, 'odd "name".t')
    assert not table_exists(con, "s.missing") and not table_exists(con, "missing.t")


def test_a_view_whose_table_is_gone_still_exists(con):
    con.execute("create schema s; create table s.t (x int); create view s.v as select * from s.t; drop table s.t")
    assert table_exists(con, "s.v")  # the name is taken: creating a table of that name would fail


def test_tables_of_other_databases_do_not_count(con, tmp_path):
    con.execute("create temp table tt (x int)")
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as writer:
        writer.execute("create schema s; create table s.only_there (x int)")
    con.execute(f"attach '{other}' as other (read_only)")
    assert not table_exists(con, "main.tt") and not table_exists(con, "s.only_there")
    con.execute("use other")
    assert table_exists(con, "s.only_there")


def test_a_failed_probe_leaves_the_transaction_usable(con):
    con.execute("create table t (x int)")
    con.execute("begin")
    con.execute("insert into t values (1)")
    assert not table_exists(con, "main.missing")
    con.execute("insert into t values (2)")
    con.execute("commit")
    assert con.execute("select count(*) from t").fetchone() == (2,)


def test_schema_tables_are_the_tables_of_the_own_database_in_order_without_views(con, tmp_path):
    con.execute("create schema q; create table q.b (x int); create table q.a (x int); create view q.v as select 1 y")
    con.execute("create table q.gone (x int); create view q.broken as select * from q.gone; drop table q.gone")
    con.execute("create temp table tt (x int)")
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as writer:
        writer.execute("create schema q; create table q.only_there (x int)")
    con.execute(f"attach '{other}' as other (read_only)")
    assert schema_tables(con, "q") == ["a", "b"]
    assert schema_tables(con, "main") == [] and schema_tables(con, "missing") == []
    con.execute("use other")
    assert schema_tables(con, "q") == ["only_there"]
