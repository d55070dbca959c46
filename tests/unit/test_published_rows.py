"""The figures the pages show of a KPI series (dashboards/disclosure.published_rows): each month's previous
month and change, and the trend of the twelve months up to it, never from a withheld figure (a gap in the trend).
Worked out by hand on one KPI of one department: June 2024, January to March and May to June 2025 (April is
missing), March withheld."""

from __future__ import annotations

import datetime as dt

from dashboards.disclosure import WITHHELD, Disclosure, published_rows

D = dt.date
MONTHS = [D(2024, 6, 1), D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 5, 1), D(2025, 6, 1)]


def test_previous_change_and_trend_come_from_the_months_shown(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.scorecard (kpi_code varchar, department_id varchar, period date, unit varchar, "
        "direction varchar, actual double, target double, status varchar)"
    )
    rows = [(D(2024, 6, 1), 5.0), (D(2025, 1, 1), 10.0), (D(2025, 2, 1), 12.0), (D(2025, 3, 1), 9.0),
            (D(2025, 5, 1), 15.0), (D(2025, 6, 1), 18.0)]  # fmt: skip
    con.executemany(
        "insert into marts.scorecard values ('k', 'd1', ?, 'pct', 'higher_is_better', ?, 11, 'green')", rows
    )
    marks = "".join(WITHHELD if m == D(2025, 3, 1) else "0" for m in MONTHS)
    shown = {r["period"]: r for r in published_rows(con, MONTHS, Disclosure(5, len(MONTHS), {"d1": marks}))}

    feb, mar, may, jun = (shown[D(2025, m, 1)] for m in (2, 3, 5, 6))
    assert (feb["previous"], feb["change"], feb["is_change_favourable"]) == (10.0, 2.0, True)
    assert feb["change_pct"] == 20.0
    assert (mar["actual"], mar["status"], mar["previous"], mar["change"]) == (None, None, 12.0, None)
    assert (may["previous"], may["change"]) == (None, None)  # April is not in the warehouse
    assert (jun["previous"], jun["change"], jun["is_change_favourable"]) == (15.0, 3.0, True)
    # July 2024 to June 2025: June 2024 is outside, March withheld (a gap), April missing (left out)
    assert jun["trend"] == [10.0, 12.0, None, 15.0, 18.0]
    assert shown[D(2024, 6, 1)]["trend"] == [5.0]
    only_june = published_rows(con, MONTHS, Disclosure(5, len(MONTHS), {"d1": marks}), period=D(2025, 6, 1))
    assert only_june == [jun]
