"""The DuckDB macros the control SQL shares (assets/controls/macros.py): what each computes, and that every one of
them is used by a control model."""

from __future__ import annotations

import json

import pytest

from assets.controls.macros import MACRO_NAMES, create_macros
from assets.controls.runner import control_models


@pytest.fixture
def mcon(con):
    create_macros(con)
    create_macros(con)  # a second run (the next model on the same connection) replaces them
    return con


def value(con, sql: str, params: list | None = None):
    return con.execute(f"select {sql}", params or []).fetchone()[0]


def test_every_macro_is_used_by_a_control_model():
    sql = "\n".join(m.sql for m in control_models())
    assert MACRO_NAMES
    assert [n for n in MACRO_NAMES if f"{n}(" not in sql] == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("820-390 5508", "8203905508"), ("NPWP 01.234.567.8-901.000", "012345678901000"), ("n/a", None), ("", None),
     (None, None)],
)  # fmt: skip
def test_digits_only_keeps_the_digits_and_blanks_a_value_without_any(mcon, raw, expected):
    assert value(mcon, "digits_only(?::varchar)", [raw]) == expected


@pytest.mark.parametrize(
    ("start", "end", "covers"),
    [
        ("2024-03-31", "2024-03-31", True),  # the month's last day
        ("2024-02-01", "2024-03-01", True),  # ends on its first day
        ("2024-01-01", "2024-02-29", False),  # ends the day before
        ("2024-04-01", "2024-12-31", False),  # starts the day after
        ("2023-01-01", "9999-12-31", True),  # open-ended
    ],
)
def test_overlaps_month_when_the_range_covers_a_day_of_it(mcon, start, end, covers):
    sql = "overlaps_month(?::date, ?::date, date '2024-03-01')"
    assert value(mcon, sql, [start, end]) is covers


@pytest.mark.parametrize(
    ("method", "actual", "expected", "differs"),
    [
        ("pph21_ter", 100, 111, True),  # 11 > 10
        ("pph21_ter", 100, 110, False),  # within the tolerance, inclusive
        ("pph21_ter", None, 11, True),  # nothing paid counts as 0
        ("pph21_ter", 100, None, False),  # not recomputed: not judged
        ("bpjs_jht_ee", 100, 200, False),  # another method family
        ("pph21", 100, 200, False),  # the prefix includes its underscore
    ],
)
def test_recalculation_differs_by_more_than_the_tolerance(mcon, method, actual, expected, differs):
    sql = "recalculation_differs(?::varchar, 'pph21_', ?::bigint, ?::bigint, 10::bigint)"
    assert value(mcon, sql, [method, actual, expected]) is differs


@pytest.mark.parametrize(
    ("conformity", "small", "is_finding", "severity"),
    [
        ("nonconformity", False, True, None),  # the registry's severity
        ("nonconformity", True, True, "low"),
        ("marginal", False, True, "low"),
        ("acceptable", True, True, "low"),
        ("acceptable", False, False, "low"),
        ("close", False, False, "low"),
    ],
)
def test_benford_finding_and_severity(mcon, conformity, small, is_finding, severity):
    result = "{'conformity': ?::varchar, 'is_small_sample': ?::boolean}"
    assert value(mcon, f"benford_is_finding({result})", [conformity, small]) is is_finding
    assert value(mcon, f"benford_severity({result})", [conformity, small]) == severity


@pytest.fixture
def digits(mcon):
    """A test's rows (its own figures repeated on each) and its result: 5, 7, 8 and 9 are significant."""
    mcon.execute(
        "create table t as select 250 as n_amounts, 0.01234 as mad, 'marginal' as conformity, true as is_small_sample, "
        "* from (values (1, 0.30, 0.301, 0.5, false), (5, 0.20, 0.079, 9.25, true), (7, 0.10, 0.058, 3.1, true), "
        "(8, 0.01, 0.051, 2.5, true), (9, 0.02, 0.046, 2.0, true)) v(digit, observed_share, expected_share, z_stat, "
        "is_significant)"
    )
    mcon.execute(
        "create table s as select benford_result(n_amounts, mad, conformity, is_small_sample, digit, observed_share, "
        "expected_share, z_stat, is_significant) as result from t"
    )
    return mcon


def test_benford_result_sentence_and_evidence(digits):
    result = value(digits, "result from s")
    assert {k: result[k] for k in ("n_amounts", "conformity", "is_small_sample")} == {
        "n_amounts": 250, "conformity": "marginal", "is_small_sample": True}  # fmt: skip
    assert [d["digit"] for d in result["significant_digits"]] == [5, 7, 8, 9]  # the significant ones, largest Z first
    text = value(digits, "benford_result_text(result) || benford_advice_text(result) from s")
    assert text == (
        "250 amounts, MAD 0.0123 = marginal (fewer amounts than the minimum sample, so not reliable); look first at "
        "the amounts starting with 5, 7, 8."
    )
    acceptable = "struct_update(result, conformity := 'acceptable', is_small_sample := false)"
    assert value(digits, f"benford_advice_text({acceptable}) from s") == "."
    evidence = json.loads(value(digits, "benford_evidence('payments', 'first_digit', result) from s"))
    assert evidence["population"] == "payments" and evidence["test"] == "first_digit"
    assert evidence["mad"] == pytest.approx(0.01234)
    assert [d["digit"] for d in evidence["significant_digits"]] == [5, 7, 8, 9]
    none_significant = "struct_update(result, significant_digits := null)"
    no_digits = json.loads(value(digits, f"benford_evidence('p', 't', {none_significant}) from s"))
    assert no_digits["significant_digits"] == []


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (["2024-03-01", "2024-03-01", "2024-03-31", "2024-03-15"], 3),  # the 1st twice, the 15th, the 31st
        (["2024-02-29", None], 1),  # a missing date is not counted
        ([None], 0),
    ],
)
def test_days_in_month_count_counts_each_day_of_the_month_once(mcon, days, expected):
    mcon.execute("create or replace table d (day_date date)")
    mcon.executemany("insert into d values (?)", [[day] for day in days])
    assert value(mcon, "days_in_month_count(day_date) from d") == expected
    assert value(mcon, "count(distinct day_date) from d") == expected
