"""The scalar macros every SQL model may call (assets/macros.sql): what each computes, and that every one of them
is used by a model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assets.sqlmodels import MACROS, set_variables
from pipelines.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MACRO_NAMES = re.findall(r"create or replace temp macro (\w+)\(", MACROS)


@pytest.fixture
def mcon(con):
    set_variables(con, Settings())
    set_variables(con, Settings())  # the next model on the same connection replaces them
    return con


def value(con, sql: str, params: list | None = None):
    return con.execute(f"select {sql}", params or []).fetchone()[0]


def test_every_macro_is_used_by_a_model_or_another_macro():
    sql = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "assets").glob("*/sql/*.sql")))
    assert len(MACRO_NAMES) > 10
    assert [n for n in MACRO_NAMES if f"{n}(" not in sql and MACROS.count(f"{n}(") < 2] == []


@pytest.mark.parametrize(
    ("on_date", "in_force"),
    [("2023-12-31", False), ("2024-01-01", True), ("2024-06-30", True), ("2024-07-01", False)],
)
def test_is_in_force_includes_both_ends(mcon, on_date, in_force):
    sql = "is_in_force(?::date, date '2024-01-01', date '2024-06-30')"
    assert value(mcon, sql, [on_date]) is in_force


def test_is_in_force_without_an_end_is_still_in_force(mcon):
    assert value(mcon, "is_in_force(date '2099-01-01', date '2024-01-01', null::date)") is True


@pytest.mark.parametrize(
    ("numerator", "denominator", "pct"),
    [(1, 4, 25.0), (3, 0, None), (3, None, None), (0, 5, 0.0), (2, -1, None)],
)
def test_kpi_pct_is_none_without_a_positive_denominator(mcon, numerator, denominator, pct):
    assert value(mcon, "kpi_pct(?::bigint, ?::bigint)", [numerator, denominator]) == pct


def test_a_kpi_total_row_is_its_own_value_with_no_denominator(mcon):
    row = value(mcon, "kpi_total_row('spend_total', 1500::bigint)")
    assert row == {"kpi_code": "spend_total", "value": 1500.0, "numerator": 1500.0, "denominator": None}


def test_budget_rows_give_the_budget_the_variance_and_its_percentage(mcon):
    rows = value(mcon, "budget_kpi_rows('opex_budget', 110::bigint, 100::bigint)")
    assert [(r["kpi_code"], r["value"], r["numerator"], r["denominator"]) for r in rows] == [
        ("opex_budget_idr", 100.0, 100.0, None),
        ("opex_budget_variance_idr", 10.0, 10.0, None),
        ("opex_budget_variance_pct", 10.0, 10.0, 100.0),
    ]


@pytest.mark.parametrize(("amount", "text"), [(5000, "Rp5,000"), (12.5, "Rp12.50"), (None, None)])
def test_money_text_writes_cents_only_where_the_amount_has_them(mcon, amount, text):
    assert value(mcon, "money_text(?::decimal(18, 2))", [amount]) == text


@pytest.mark.parametrize(
    ("termination_date", "in_headcount"),
    [(None, True), ("2024-02-01", True), ("2024-01-31", False), ("2024-01-15", False)],
)
def test_is_in_headcount_after_leaves_out_the_last_day_employed(mcon, termination_date, in_headcount):
    # a version valid through the month end: only a termination after the day keeps the person in the headcount
    sql = "is_in_headcount_after(date '2024-01-31', true, date '2024-01-01', date '2024-12-31', ?::date)"
    assert value(mcon, sql, [termination_date]) is in_headcount
