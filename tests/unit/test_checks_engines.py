"""Each kind of quality check on a tiny table, clean and with planted defects, run by Great Expectations and by
plain DuckDB SQL: both engines must count the same rows and name the same failing keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from checks import runner
from checks.runner import run_suite
from checks.spec import (
    WARN,
    OrderSpec,
    QualityCheck,
    RangeSpec,
    RelationshipSpec,
    RuleSpec,
    Suite,
    in_set_check,
    not_null_check,
    order_check,
    pattern_check,
    range_check,
    relationship_check,
    row_count_check,
    rule_check,
    unique_check,
)

T = "core.t"
D = dt.date


def _table(con, rows: list[tuple]) -> None:
    con.execute("create schema if not exists core")
    con.execute(
        "create or replace table core.t (id varchar, code varchar, amount bigint, start_date date, end_date date, "
        "parent_id varchar)"
    )
    if rows:
        con.executemany("insert into core.t values (?, ?, ?, ?, ?, ?)", rows)
    con.execute("create or replace table core.p (id varchar)")
    con.execute("insert into core.p values ('P1'), ('P2')")


CLEAN = [
    ("A", "x", 10, D(2024, 1, 1), D(2024, 1, 31), "P1"),
    ("B", "y", 0, D(2024, 2, 1), D(2024, 2, 1), "P2"),  # same-day end is allowed (on or after)
    ("C", "x", 5, D(2024, 3, 1), None, None),  # missing end date and parent are not defects
]

DEFECTS = [
    ("A", "x", 10, D(2024, 1, 1), D(2024, 1, 31), "P1"),
    ("B", None, 20, D(2024, 1, 1), D(2024, 1, 31), "P1"),  # planted: code missing
    ("B", "y", 20, D(2024, 1, 1), D(2024, 1, 31), "P2"),  # planted: id B twice
    ("C", "Z9", 5, D(2024, 1, 1), D(2024, 1, 31), "P1"),  # planted: code outside {x, y} and not [a-z]
    ("D", "x", -5, D(2024, 1, 1), D(2024, 1, 31), "P1"),  # planted: amount below 0
    ("E", "x", 5, D(2024, 2, 1), D(2024, 1, 15), "P2"),  # planted: ends before it starts
    ("F", "y", 5, D(2024, 1, 1), None, "P9"),  # planted: parent P9 is not in core.p
]

CHECKS = [
    not_null_check(T, "code"),
    unique_check(T, ["id"]),
    unique_check(T, ["id", "code"]),
    unique_check(T, ["id", "amount"]),
    in_set_check(T, "code", ("x", "y")),
    range_check(T, "amount", RangeSpec(min=0, max=100)),
    pattern_check(T, "code", "[a-z]"),
    order_check(T, OrderSpec(earlier="start_date", later="end_date")),
    relationship_check(T, "parent_id", RelationshipSpec(to="core.p.id")),
    rule_check(T, RuleSpec(name="one_row_per_id", sql="count(*) over (partition by id) = 1", reason="id repeats")),
    row_count_check(T, RangeSpec(min=1, max=10)),
]


def run_both(con, suite: Suite) -> dict[str, tuple]:
    """Outcomes by check name, after asserting that GX and SQL agree on every count and key."""
    by_gx = {o.name: o for o in run_suite(con, suite, "gx").outcomes}
    by_sql = {o.name: o for o in run_suite(con, suite, "sql").outcomes}
    for name, g in by_gx.items():
        s = by_sql[name]
        assert (g.passed, g.rows_checked, g.unexpected_count) == (s.passed, s.rows_checked, s.unexpected_count), name
        assert sorted(g.sample_keys) == sorted(s.sample_keys), name
    return {n: (o.passed, o.rows_checked, o.unexpected_count, sorted(o.sample_keys)) for n, o in by_gx.items()}


def test_clean_table_passes_every_check(con):
    _table(con, CLEAN)
    outcomes = run_both(con, Suite(T, tuple(CHECKS), key_columns=("id",)))
    assert all(o[0] for o in outcomes.values()), outcomes
    assert all(not o[2] for o in outcomes.values() if o[2] is not None)


def test_planted_defects_are_counted_and_named(con):
    _table(con, DEFECTS)
    outcomes = run_both(con, Suite(T, tuple(CHECKS), key_columns=("id",)))
    # (passed, rows considered, unexpected, failing keys); rows considered leave out missing values
    assert outcomes["completeness_code"] == (False, 7, 1, ["id=B"])  # all 7 rows, 1 without code
    assert outcomes["uniqueness_id"] == (False, 7, 2, ["id=B", "id=B"])  # both rows of B
    assert outcomes["uniqueness_id_code"] == (True, 7, 0, [])  # (B, null) and (B, y) differ
    assert outcomes["uniqueness_id_amount"] == (False, 7, 2, ["id=B", "id=B"])  # (B, 20) twice
    assert outcomes["validity_code"] == (False, 6, 1, ["id=C"])  # 6 codes present, Z9 outside
    assert outcomes["validity_amount_range"] == (False, 7, 1, ["id=D"])
    assert outcomes["validity_code_pattern"] == (False, 6, 1, ["id=C"])
    # 6 rows with both dates (F has no end): E ends before it starts
    assert outcomes["consistency_end_date_after_start_date"] == (False, 6, 1, ["id=E"])
    assert outcomes["integrity_parent_id"] == (False, 7, 1, ["id=F"])  # every row has a parent; P9 unknown
    assert outcomes["consistency_one_row_per_id"] == (False, 7, 2, ["id=B", "id=B"])
    assert outcomes["volume_row_count"][0] is True  # 7 rows, within 1..10


def test_mostly_lets_a_few_exceptions_pass_but_still_reports_them(con):
    _table(con, DEFECTS)
    check = not_null_check(T, "code", WARN, mostly=0.8)
    outcomes = run_both(con, Suite(T, (check,), key_columns=("id",)))
    # 6 of 7 rows have a code: 6 / 7 = 0.857 >= 0.8, so it passes with the one gap listed
    assert outcomes["completeness_code"] == (True, 7, 1, ["id=B"])
    strict = not_null_check(T, "code", WARN, mostly=0.9)
    # 0.857 < 0.9: fails
    assert run_both(con, Suite(T, (strict,), key_columns=("id",)))["completeness_code"][0] is False


def test_relationship_accepts_extra_values_and_ignores_missing_keys(con):
    _table(con, DEFECTS)
    check = relationship_check(T, "parent_id", RelationshipSpec(to="core.p.id", also=["P9"]))
    assert run_both(con, Suite(T, (check,), key_columns=("id",)))["integrity_parent_id"] == (True, 7, 0, [])
    con.execute("update core.t set parent_id = null where id = 'F'")  # no key: not considered at all
    check = relationship_check(T, "parent_id", RelationshipSpec(to="core.p.id"))
    assert run_both(con, Suite(T, (check,), key_columns=("id",)))["integrity_parent_id"] == (True, 6, 0, [])


def test_row_count_and_column_set_are_table_level(con):
    _table(con, CLEAN)
    checks = (
        row_count_check(T, RangeSpec(min=1, max=1)),  # 3 rows: too many
        QualityCheck("schema_columns_match_contract", "columns", (), "x", values=("id", "code", "amount")),
    )
    gx = {o.name: o for o in run_suite(con, Suite(T, checks), "gx").outcomes}
    sql = {o.name: o for o in run_suite(con, Suite(T, checks), "sql").outcomes}
    for outcomes in (gx, sql):
        assert outcomes["volume_row_count"].passed is False
        assert outcomes["volume_row_count"].observed_value == "3"
        assert outcomes["schema_columns_match_contract"].passed is False
        # the table has three columns more than the expected set
        observed = outcomes["schema_columns_match_contract"].observed_value
        assert observed == "missing [], unexpected ['end_date', 'parent_id', 'start_date']"


def test_what_cannot_run_fails_with_the_reason(con):
    _table(con, CLEAN)
    checks = (
        not_null_check(T, "nope"),  # no such column
        relationship_check(T, "parent_id", RelationshipSpec(to="core.missing.id")),  # no such parent table
        rule_check(T, RuleSpec(name="broken", sql="no_such_column > 0", reason="x")),  # SQL that does not bind
        not_null_check(T, "code"),  # still runs
    )
    for engine in ("gx", "sql"):
        outcomes = {o.name: o for o in run_suite(con, Suite(T, checks, key_columns=("id",)), engine).outcomes}
        assert not outcomes["completeness_nope"].passed
        assert "column nope is not in core.t" in outcomes["completeness_nope"].description
        assert "core.missing does not exist" in outcomes["integrity_parent_id"].description
        assert "its SQL does not run" in outcomes["consistency_broken"].description
        assert outcomes["completeness_code"].passed


def test_an_empty_or_missing_table(con):
    _table(con, [])
    outcomes = run_both(con, Suite(T, tuple(CHECKS[:-1]), key_columns=("id",)))  # no row: nothing to fail
    assert all(o == (True, 0, 0, []) for o in outcomes.values()), outcomes
    missing = run_suite(con, Suite("core.gone", (not_null_check("core.gone", "id"),)))
    assert [o.passed for o in missing.outcomes] == [False]
    assert "core.gone does not exist" in missing.outcomes[0].description


def test_auto_engine_gives_gx_the_delivered_data_and_sql_the_rest(con, monkeypatch):
    """GX validates a staging load up to the row limit; above it, and on the warehouse's own tables whatever
    their size, the same checks run in SQL; a suite that names an engine gets it."""
    _table(con, CLEAN)
    con.execute("create schema staging")
    con.execute("create table staging.t as select * from core.t")
    staged = Suite("staging.t", (not_null_check("staging.t", "code"),), key_columns=("id",))
    built = Suite(T, (not_null_check(T, "code"),), key_columns=("id",))
    assert run_suite(con, staged).engine == "gx"
    assert run_suite(con, built).engine == "sql"
    assert run_suite(con, replace(built, engine="gx")).engine == "gx"
    monkeypatch.setattr(runner, "GX_MAX_ROWS", 2)  # 3 rows > 2
    assert run_suite(con, staged).engine == "sql"


@pytest.mark.parametrize("engine", ["gx", "sql"])
def test_newest_load_scope_checks_only_the_rows_of_the_last_load(con, engine):
    from assets.ingest.manifest import ensure_schemas

    ensure_schemas(con)
    con.execute(
        "create table staging.stg_x__y (id varchar, code varchar, _file_sha256 varchar, _source_path varchar, "
        "_line_no bigint)"
    )
    con.execute(
        """
        insert into staging.stg_x__y values
            ('A', null, 'old', 'y_2024_01.csv', 2),  -- planted: a missing code in the older load
            ('B', 'x', 'new', 'y_2024_02.csv', 2),
            ('C', 'x', 'new', 'y_2024_02.csv', 3)
        """
    )
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, status, loaded_at) values
            ('old', 'x__y', 'y_2024_01.csv', 'loaded', '2024-02-03 02:00'),
            ('new', 'x__y', 'y_2024_02.csv', 'loaded', '2024-03-03 02:00')
        """
    )
    suite = Suite("staging.stg_x__y", (not_null_check("staging.stg_x__y", "code"),), ("id",), "newest_load",
                  contract="x__y")  # fmt: skip
    run = run_suite(con, suite, engine)
    assert (run.rows, run.outcomes[0].passed) == (2, True)  # B and C only
    assert run.scope == "newest load: 1 file(s) loaded at 2024-03-03 02:00:00"
    con.execute("update staging.stg_x__y set code = null where id = 'C'")  # planted: now in the newest load
    assert run_suite(con, suite, engine).outcomes[0].sample_keys == ("id=C",)


def test_a_check_most_rows_fail_names_the_first_failing_keys(con):
    """GX gives the positions of the first failing rows and their keys are read from those rows: right after the
    rows without a value are left out, and for a compound key."""
    amounts = [None if i % 3 == 0 else (i if i < 100 else -i) for i in range(500)]
    rows = [(f"R{i:03d}", "x", amount, D(2024, 1, 1), None, None) for i, amount in enumerate(amounts)]
    _table(con, rows)
    check = range_check(T, "amount", RangeSpec(min=0, max=1000))
    outcome = run_suite(con, Suite(T, (check,), key_columns=("id", "code")), "gx").outcomes[0]
    # 333 rows have an amount; from R100 on, those not divisible by 3 are negative: 267 of them
    assert (outcome.passed, outcome.rows_checked, outcome.unexpected_count) == (False, 333, 267)
    first = [100, 101, 103, 104, 106, 107, 109, 110, 112, 113]
    assert list(outcome.sample_keys) == [f"id=R{i}, code=x" for i in first]
    assert run_both(con, Suite(T, (check,), key_columns=("id", "code")))["validity_amount_range"][2] == 267


def test_validations_in_the_one_context_keep_to_their_own_suite_and_rows(con):
    """Every table is validated in the process's one GX context: a suite of the same name validated again, on
    other rows with other checks, reports those checks on those rows only."""
    _table(con, DEFECTS)
    first = run_suite(con, Suite(T, (unique_check(T, ["id"]), not_null_check(T, "code")), key_columns=("id",)), "gx")
    assert [(o.name, o.unexpected_count) for o in first.outcomes] == [("uniqueness_id", 2), ("completeness_code", 1)]
    _table(con, CLEAN)
    again = run_suite(con, Suite(T, (range_check(T, "amount", RangeSpec(min=6, max=100)),), key_columns=("id",)), "gx")
    # CLEAN: amounts 10, 0 and 5; the two below 6 fail, and nothing of the first suite is reported
    assert [(o.name, o.rows_checked, o.unexpected_count, o.sample_keys) for o in again.outcomes] == [
        ("validity_amount_range", 3, 2, ("id=B", "id=C"))
    ]


def test_the_columns_of_a_table_a_view_and_a_missing_table(con):
    _table(con, CLEAN)
    con.execute("create view core.v as select id, code from core.p join core.t using (id)")
    con.execute("create table core.gone_under as select 1 as x")
    con.execute("create view core.orphan as select x from core.gone_under")
    con.execute("drop table core.gone_under")
    assert runner.table_columns(con, T) == ["id", "code", "amount", "start_date", "end_date", "parent_id"]
    assert runner.table_columns(con, "core.v") == ["id", "code"]
    assert runner.table_columns(con, "core.orphan") == ["x"]  # a view whose table is gone still names its columns
    assert runner.table_columns(con, "core.missing") is None
    assert runner.table_columns(con, "nowhere.t") is None


@pytest.mark.parametrize("sample_rows", [1, 3, 100_000])
def test_a_column_constant_in_the_first_rows_only_is_read_in_full(con, monkeypatch, sample_rows):
    """The constant-columns check reads the first rows, and in full only the columns with one value there: a
    column that changes after them is not constant, one that never changes is, whatever the sample's size."""
    import checks.sql_suite as sql_suite
    from checks.spec import constant_columns_check

    monkeypatch.setattr(sql_suite, "CONSTANT_SAMPLE_ROWS", sample_rows)
    con.execute("create schema if not exists core")
    con.execute(
        "create or replace table core.c as select i, 'IDR' as currency, case when i < 8 then 'a' else 'b' end as late,"
        " case when i % 2 = 0 then 5 end as sparse, null::varchar as empty from range(12) t(i)"
    )
    check = constant_columns_check("core.c", ["i", "currency", "late", "sparse", "empty"])
    result = sql_suite.constant_check(con, "select * from core.c", check)
    assert (result.success, result.rows_considered, result.unexpected_count) == (False, 12, 1)
    assert result.observed == "currency = 'IDR' in all 12 rows with a value"  # sparse has 6 values, empty none
