"""``pipelines.db.insert_rows``: the rows of a one-row ``insert ... values (?, ...)`` as multi-row statements (the
night's check outcomes, rule and KPI registries, coverage rows), giving the rows ``executemany`` gives."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from pipelines import db
from pipelines.db import insert_rows

TABLE = (
    "create table t (name varchar, seen_at timestamp, n integer, share double, ok boolean, keys varchar, "
    "amount decimal(18, 2), day date, tags varchar[])"
)


def _rows(n: int) -> list[list]:
    return [
        [
            f"row {i}" if i % 3 else i,  # an int into a varchar column, beside text
            dt.datetime(2026, 1, 1, 8, i % 60) if i % 2 else "2026-01-02 09:30:00",
            None if i % 5 == 0 else i,
            0.5 if i % 2 else i,  # int and float into a double column
            bool(i % 2),
            json.dumps([f"k{i}"]),
            "12.35" if i % 2 else Decimal("0.05"),
            "2026-01-31" if i % 2 else dt.date(2026, 2, 1),
            [f"t{i}"] if i % 4 else [],
        ]
        for i in range(n)
    ]


def _table(con) -> list[tuple]:
    return con.execute("select * from t order by n nulls first, name").fetchall()


@pytest.mark.parametrize("n", [1, 7, db.INSERT_CHUNK_ROWS + 3])
def test_the_rows_are_those_executemany_inserts(con, n):
    rows = _rows(n)
    con.execute(TABLE)
    con.executemany("insert into t values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    expected = _table(con)
    con.execute("delete from t")
    insert_rows(con, "insert into t values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    assert _table(con) == expected and len(expected) == n


def test_named_columns_and_statements_of_another_shape(con, monkeypatch):
    con.execute("create table s (a varchar, b integer, c integer default 7)")
    insert_rows(con, "INSERT INTO s (b, a)\n  VALUES (?,?)", [[1, "x"], [2, "y"]])
    calls = []
    monkeypatch.setattr(type(con), "executemany", lambda self, sql, rows: calls.append(sql), raising=False)
    insert_rows(con, "insert into s select ?, ?, 9", [["z", 3]])  # not a values row: executemany, row by row
    assert con.execute("select * from s order by b").fetchall() == [("x", 1, 7), ("y", 2, 7)]
    assert calls == ["insert into s select ?, ?, 9"]


def test_a_failing_row_inserts_none_of_them(con):
    con.execute("create table s (a integer not null)")
    with pytest.raises(Exception, match="NOT NULL"):
        insert_rows(con, "insert into s values (?)", [[1]] * 600 + [[None]])
    assert con.execute("select count(*) from s").fetchone() == (0,)
