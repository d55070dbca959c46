"""marts.scorecard on hand-made KPI values and targets: status, effective-dated targets, company targets for
rates, change on the previous month and the 12-month trend, all worked out by hand.

KPIs (registry): rate_pct (pct, lower is better), heads (employees, neutral), score (ratio, higher is better).
Targets (staging.stg_performance__kpi_targets):
  rate_pct ALL  2025-01..2025-02  2.0  band 0.5     rate_pct ALL 2025-03..(open) 1.5 band 0.5
  rate_pct D1   2025-01..(open)   3.0  band 1.0     (the March company target and D1's carry an owner; March a comment)
  heads    ALL  2025-01..(open)   100  band 5  higher is better
  score    ALL  2025-01..(open)   0.9  band 0.1
  score    D1   2025-01..(open)   0.8  band 0.1     score D1 2025-03..(open) 0.85 band 0.1 (overlaps; later wins)
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import create_staging, run_models

from pipelines.settings import Settings

D = dt.date.fromisoformat
LOWER, HIGHER = "lower_is_better", "higher_is_better"

VALUES = [  # (month, department, kpi, value)
    ("2024-04", "ALL", "rate_pct", 5.0),
    ("2024-05", "ALL", "rate_pct", 4.0),
    ("2025-01", "ALL", "rate_pct", 1.8),
    ("2025-02", "ALL", "rate_pct", 2.4),
    ("2025-03", "ALL", "rate_pct", 2.1),
    ("2025-04", "ALL", "rate_pct", 1.5),
    ("2025-01", "D1", "rate_pct", 3.9),
    ("2025-02", "D1", "rate_pct", 4.5),
    ("2025-01", "D2", "rate_pct", 2.0),
    ("2025-03", "D2", "rate_pct", 2.0),
    ("2025-01", "ALL", "heads", 96.0),
    ("2025-02", "ALL", "heads", 94.0),
    ("2025-03", "ALL", "heads", 100.0),
    ("2025-01", "D1", "heads", 40.0),
    ("2025-01", "D1", "score", 0.84),
    ("2025-03", "D1", "score", 0.84),
    ("2025-01", "D2", "score", 0.75),
]
UNITS = {"rate_pct": "pct", "heads": "employees", "score": "ratio"}
REGISTRY = [("rate_pct", "hr", LOWER), ("heads", "hr", "neutral"), ("score", "finance", HIGHER)]


def target(kpi, department, month_from, month_to, value, direction, band, owner=None, comment=None):
    return {"kpi_code": kpi, "department_id": department, "period_from": D(month_from + "-01"),
            "period_to": D(month_to + "-01") if month_to else None, "target": value, "direction": direction,
            "amber_band": band, "owner": owner, "comment": comment}  # fmt: skip


TARGETS = [
    target("rate_pct", "ALL", "2025-01", "2025-02", 2.0, LOWER, 0.5),
    target("rate_pct", "ALL", "2025-03", None, 1.5, LOWER, 0.5, owner="HR Director", comment="Tighter from March"),
    target("rate_pct", "D1", "2025-01", None, 3.0, LOWER, 1.0, owner=" Ops lead ", comment=""),
    target("heads", "ALL", "2025-01", None, 100, HIGHER, 5),
    target("score", "ALL", "2025-01", None, 0.9, HIGHER, 0.1),
    target("score", "D1", "2025-01", None, 0.8, HIGHER, 0.1),
    target("score", "D1", "2025-03", None, 0.85, HIGHER, 0.1),
]


@pytest.fixture
def scorecard(con):
    con.execute("create schema marts")
    con.execute("create table marts.kpi_registry (code varchar, domain varchar, direction varchar)")
    con.executemany("insert into marts.kpi_registry values (?, ?, ?)", REGISTRY)
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    con.executemany(
        "insert into marts.kpi_values values (?, ?, ?, ?, null, null, ?, ?, ?)",
        [(D(m + "-01"), d, k, v, UNITS[k], 3.0 if d == "D2" else 40.0, d == "D2") for m, d, k, v in VALUES],
    )
    create_staging(con, "performance__kpi_targets", TARGETS)
    run_models(con, Settings(), "assets/performance/sql/scorecard.sql")
    cursor = con.execute("select * from marts.scorecard")
    names = [c[0] for c in cursor.description]
    return {(r[0].isoformat()[:7], r[1], r[2]): dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def test_status_lower_is_better_with_an_effective_dated_company_target(scorecard):
    def row(month):
        return scorecard[(month, "ALL", "rate_pct")]

    # Jan: 1.8 <= target 2.0 -> green; gap 1.8 - 2.0 = -0.2
    assert (row("2025-01")["target"], row("2025-01")["status"]) == (2.0, "green")
    assert row("2025-01")["gap"] == pytest.approx(-0.2)
    # Feb: 2.4 > 2.0 but <= 2.0 + 0.5 -> amber
    assert row("2025-02")["status"] == "amber"
    # Mar: the tighter target 1.5 applies from March; 2.1 > 1.5 + 0.5 = 2.0 -> red
    assert (row("2025-03")["target"], row("2025-03")["status"]) == (1.5, "red")
    # Apr: exactly on target -> green
    assert row("2025-04")["status"] == "green"


def test_status_higher_is_better_and_the_target_direction_wins_over_a_neutral_registry(scorecard):
    # heads is neutral in the registry; the agreed target says higher is better, band 5 below 100
    assert scorecard[("2025-01", "ALL", "heads")]["direction"] == HIGHER
    assert scorecard[("2025-01", "ALL", "heads")]["status"] == "amber"  # 96 >= 100 - 5
    assert scorecard[("2025-02", "ALL", "heads")]["status"] == "red"  # 94 < 95
    assert scorecard[("2025-03", "ALL", "heads")]["status"] == "green"  # 100 >= 100


def test_department_targets_own_then_company_for_rates_only(scorecard):
    # D1 has its own rate target 3.0 band 1.0: 3.9 <= 4.0 amber, 4.5 red
    assert scorecard[("2025-01", "D1", "rate_pct")]["target_scope"] == "department"
    assert scorecard[("2025-01", "D1", "rate_pct")]["status"] == "amber"
    assert scorecard[("2025-02", "D1", "rate_pct")]["status"] == "red"
    # D2 has none: it takes the company's, 2.0 in January (green) and 1.5 in March (2.0 <= 1.5 + 0.5: amber)
    assert scorecard[("2025-01", "D2", "rate_pct")]["target_scope"] == "company"
    assert scorecard[("2025-01", "D2", "rate_pct")]["status"] == "green"
    assert scorecard[("2025-03", "D2", "rate_pct")]["status"] == "amber"
    # score is a ratio, D2 takes the company's 0.9 band 0.1: 0.75 < 0.8 -> red
    assert scorecard[("2025-01", "D2", "score")]["status"] == "red"
    # a headcount is a total: D1 gets no target from the company's 100, and the registry's neutral direction
    d1_heads = scorecard[("2025-01", "D1", "heads")]
    assert (d1_heads["target"], d1_heads["status"], d1_heads["direction"]) == (None, None, "neutral")


def test_overlapping_targets_the_later_start_wins(scorecard):
    # D1 score: 0.8 from January; 0.85 from March overlaps it and wins
    assert scorecard[("2025-01", "D1", "score")]["target"] == 0.8
    assert scorecard[("2025-01", "D1", "score")]["status"] == "green"  # 0.84 >= 0.8
    assert scorecard[("2025-03", "D1", "score")]["target"] == 0.85
    assert scorecard[("2025-03", "D1", "score")]["status"] == "amber"  # 0.84 >= 0.85 - 0.1


def test_change_on_the_calendar_previous_month(scorecard):
    feb = scorecard[("2025-02", "ALL", "rate_pct")]
    # 2.4 - 1.8 = 0.6; 0.6 / 1.8 * 100 = 33.33 %; up is bad for a lower-is-better KPI
    assert feb["actual_previous_month"] == 1.8
    assert feb["change"] == pytest.approx(0.6)
    assert feb["change_pct"] == pytest.approx(100 / 3)
    assert feb["is_change_favourable"] is False
    assert feb["status_previous_month"] == "green"
    assert scorecard[("2025-03", "ALL", "rate_pct")]["is_change_favourable"] is True  # 2.1 < 2.4
    # January's previous month is December 2024, which has no value: May 2024 is not "previous"
    assert scorecard[("2025-01", "ALL", "rate_pct")]["actual_previous_month"] is None
    # neutral KPIs have no favourable direction (D1 heads has no previous month either)
    assert scorecard[("2025-01", "D1", "heads")]["is_change_favourable"] is None


def test_twelve_month_trend_and_year_ago(scorecard):
    apr = scorecard[("2025-04", "ALL", "rate_pct")]
    # April 2025 looks back to May 2024 (11 months before): April 2024 is out of the window
    assert apr["trend_12m"] == [4.0, 1.8, 2.4, 2.1, 1.5]
    assert apr["actual_year_ago"] == 5.0
    assert apr["change_year"] == pytest.approx(1.5 - 5.0)


def test_small_group_flag_and_rows_without_targets_are_kept(scorecard):
    assert len(scorecard) == len(VALUES)
    assert scorecard[("2025-01", "D2", "score")]["is_small_group"] is True
    assert scorecard[("2025-01", "D1", "heads")]["is_small_group"] is False


def test_the_applied_target_brings_its_owner_and_comment(scorecard):
    def note(month, department):
        row = scorecard[(month, department, "rate_pct")]
        return row["target_owner"], row["target_comment"]

    assert note("2025-01", "ALL") == (None, None)  # the January target says nobody
    assert note("2025-03", "ALL") == ("HR Director", "Tighter from March")
    assert note("2025-01", "D1") == ("Ops lead", None)  # D1's own target: trimmed, and an empty comment is none
    assert note("2025-03", "D2") == ("HR Director", "Tighter from March")  # D2 takes the company's rate target
    assert note("2025-01", "D2") == (None, None)
