"""Disclosure control: which figures of ``marts.scorecard`` a page may show, decided once for every page, chart,
table, CSV export and embedded page data (the pages read their figures from ``published_rows`` and the marks of
``Disclosure``; nothing is suppressed in a template).

A figure is a cell: one KPI, one department (or ALL, the company) and one month. Marks:

``0`` shown
``1`` primary suppression: the group (department or company) has fewer than ``privacy_min_group_size`` people
      that month (``is_small_group`` of marts.kpi_values, or its ``group_size`` below the setting). Every figure
      of that group is withheld, averages and rates too; its headcount is shown as a band ("< 5"), never the
      number.
``2`` secondary suppression: withheld so that a withheld figure cannot be worked out from the ones shown.

Secondary suppression, as statistical offices do it (tau-argus style: every suppressed cell shares its row with
at least one other suppressed cell):

* per month: when exactly one department is suppressed and the company is shown, the company minus the other
  departments would give that department's totals (payroll cost, PPh 21, THR, headcount). The smallest other
  department of that month (by group size, then id) is withheld too, all of its figures, so that no ratio of it
  (an average times a headcount) gives its total back either; with no other department, the company is withheld;
* per KPI and month: where a KPI still has exactly one withheld department with a value (a department without
  a value is no protection), the smallest department with a value shown is withheld for that KPI, or the company;
* across months: a rolling KPI (``WINDOWS``: annual turnover, the sum of the monthly rates of m-11..m) is
  withheld in every month whose window holds a withheld month of the group, or the rolling value minus the
  monthly values shown would give the withheld month.

Month-on-month figures (previous month, change, the 12-month trend) are recomputed from the figures shown, so a
withheld month never comes back as "the month before". Targets are not personal and stay; the status against a
withheld figure does not. Known limit: a total of 0 for the whole company says that every group's is 0
(non-negative amounts); that tells nothing about one person beyond what the company figure tells.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb

from dashboards.warehouse import ALL, columns_of, table_exists

SHOWN, SMALL, WITHHELD = "0", "1", "2"
# Headcounts of a small group are shown as a band ("< 5"), not the number.
BANDED_UNITS = frozenset({"employees", "fte"})
# Rolling KPIs: months in the window (the month and the ones before it).
WINDOWS = {"turnover_rate_annual_pct": 12}
WITHHELD_DEPARTMENT = "~"  # findings of withheld departments, counted together (the company total stays right)


@dataclass(frozen=True)
class Disclosure:
    """The marks of one run's pages: per department and month, and per KPI where a KPI differs."""

    min_size: int
    n_periods: int
    departments: dict[str, str] = field(default_factory=dict)  # department (or ALL) -> one mark per month
    kpis: dict[str, dict[str, str]] = field(default_factory=dict)  # KPI -> department -> one mark per month

    def department_mark(self, department: str, i: int) -> str:
        marks = self.departments.get(department)
        return marks[i] if marks and 0 <= i < len(marks) else SHOWN

    def mark(self, code: str, department: str, i: int) -> str:
        marks = self.kpis.get(code, {}).get(department)
        return marks[i] if marks and 0 <= i < len(marks) else self.department_mark(department, i)

    def shown(self, code: str, department: str, i: int) -> bool:
        return self.mark(code, department, i) == SHOWN

    def department_shown(self, department: str, i: int) -> bool:
        return self.department_mark(department, i) == SHOWN

    def withheld_anywhere(self, department: str) -> bool:
        return any(m != SHOWN for m in self.departments.get(department, ""))

    def kpi_marks(self, code: str, departments: Iterable[str]) -> dict[str, str]:
        """Department -> marks of ``code`` over the months, only where something is withheld (page data)."""
        out = {}
        for department in departments:
            marks = "".join(self.mark(code, department, i) for i in range(self.n_periods))
            if marks.strip(SHOWN):
                out[department] = marks
        return out


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def plan(
    cells: Iterable[tuple[str, str, int, bool, float | None, bool]],
    periods: list[dt.date],
    min_size: int,
) -> Disclosure:
    """The marks for ``cells``: (KPI, department or ALL, month index, has a value, group size, is small)."""
    n = len(periods)
    size: dict[tuple[str, int], float] = {}
    small: set[tuple[str, int]] = set()
    known: dict[tuple[str, int], set[str]] = defaultdict(set)
    present: dict[int, set[str]] = defaultdict(set)
    pairs: set[tuple[str, str]] = set()
    for code, department, i, has_value, group_size, is_small in cells:
        if not 0 <= i < n:
            continue
        if group_size is not None and not math.isnan(group_size):
            size.setdefault((department, i), group_size)
            is_small = is_small or group_size < min_size
        if is_small:
            small.add((department, i))
        if has_value:
            known[(code, i)].add(department)
        if department != ALL:
            present[i].add(department)
        pairs.add((code, department))

    def smallest(candidates: Iterable[str], i: int) -> str | None:
        ranked = sorted((size.get((d, i), math.inf), d) for d in candidates)
        return ranked[0][1] if ranked else None

    departments = {d for _, d in pairs} | {ALL}
    marks = {d: [SHOWN] * n for d in departments}
    for i in range(n):
        for department in present[i] | {ALL}:
            if (department, i) in small:
                marks[department][i] = SMALL
        primary = [d for d in present[i] if marks[d][i] != SHOWN]
        if marks[ALL][i] == SHOWN and len(primary) == 1:
            other = smallest((d for d in present[i] if marks[d][i] == SHOWN), i)
            marks[other or ALL][i] = WITHHELD

    cell: dict[str, dict[str, list[str]]] = defaultdict(dict)

    def get(code: str, department: str, i: int) -> str:
        own = cell.get(code, {}).get(department)
        return own[i] if own else marks.get(department, [SHOWN] * n)[i]

    def withhold(code: str, department: str, i: int) -> None:
        own = cell[code].setdefault(department, list(marks.get(department, [SHOWN] * n)))
        if own[i] == SHOWN:
            own[i] = WITHHELD

    for code, department in sorted(pairs):
        months = WINDOWS.get(code)
        if not months:
            continue
        for i in range(n):
            window = [j for j in range(n) if 0 <= _months_between(periods[j], periods[i]) < months]
            if any(marks.get(department, [SHOWN] * n)[j] != SHOWN for j in window):
                withhold(code, department, i)

    for (code, i), with_value in sorted(known.items()):
        if ALL not in with_value or get(code, ALL, i) != SHOWN:
            continue
        hidden = [d for d in with_value if d != ALL and get(code, d, i) != SHOWN]
        if len(hidden) == 1:
            other = smallest((d for d in with_value if d != ALL and get(code, d, i) == SHOWN), i)
            withhold(code, other or ALL, i)

    return Disclosure(
        min_size=min_size,
        n_periods=n,
        departments={d: "".join(m) for d, m in sorted(marks.items())},
        kpis={c: {d: "".join(m) for d, m in sorted(by.items())} for c, by in sorted(cell.items())},
    )


def load_disclosure(con: duckdb.DuckDBPyConnection, periods: list[dt.date], min_size: int) -> Disclosure:
    """The marks of the warehouse's ``marts.scorecard`` (every KPI, department and month of the pages)."""
    if not table_exists(con, "marts.scorecard"):
        return Disclosure(min_size, len(periods))
    cols = columns_of(con, "marts.scorecard")
    size = "group_size::double" if "group_size" in cols else "null::double"
    flag = "coalesce(is_small_group, false)" if "is_small_group" in cols else "false"
    index = {p: i for i, p in enumerate(periods)}
    rows = con.execute(
        f"""
        select kpi_code, department_id, period, actual is not null, {size}, {flag}
        from marts.scorecard
        where department_id is not null and kpi_code is not null
        order by kpi_code, department_id, period
        """
    ).fetchall()
    cells = ((c, d, index.get(p, -1), bool(k), s, bool(f)) for c, d, p, k, s, f in rows)
    return plan(cells, periods, min_size)


# ---------------------------------------------------------------- the figures pages show
SCORECARD_COLUMNS = ("kpi_code", "department_id", "period", "unit", "direction", "actual", "target", "target_scope",
                     "status", "target_owner", "target_comment")  # fmt: skip
STATUS_OF = ("green", "amber", "red")


def published_rows(
    con: duckdb.DuckDBPyConnection,
    periods: list[dt.date],
    disclosure: Disclosure,
    codes: list[str] | None = None,
    period: dt.date | None = None,
) -> list[dict]:
    """``marts.scorecard`` as the pages may show it (ordered by KPI, department, month), optionally only ``codes``
    and one ``period``. Each row has ``i`` (month index) and ``mark``; ``actual`` and ``status`` are None where
    the figure is withheld, and ``previous``, ``status_previous``, ``change``, ``change_pct``,
    ``is_change_favourable`` and ``trend`` (12 months up to the row's, oldest first) come from the figures
    shown, never from a withheld month."""
    if not table_exists(con, "marts.scorecard") or codes == []:
        return []
    cols = columns_of(con, "marts.scorecard")
    select = ", ".join(c if c in cols else f"null as {c}" for c in SCORECARD_COLUMNS)
    where, params = ["department_id is not null"], []
    if codes is not None:
        where.append(f"kpi_code in ({', '.join('?' * len(codes))})")
        params += list(codes)
    cursor = con.execute(
        f"select {select} from marts.scorecard where {' and '.join(where)} order by kpi_code, department_id, period",
        params,
    )
    index = {p: i for i, p in enumerate(periods)}
    series: dict[tuple[str, str], dict[dt.date, dict]] = defaultdict(dict)
    for values in cursor.fetchall():
        row = dict(zip(SCORECARD_COLUMNS, values, strict=True))
        i = index.get(row["period"])
        if i is None:
            continue
        mark = disclosure.mark(row["kpi_code"], row["department_id"], i)
        row.update(i=i, mark=mark)
        if mark != SHOWN:
            row.update(actual=None, status=None)
        series[(row["kpi_code"], row["department_id"])][row["period"]] = row
    out = []
    calendar: dict[dt.date, tuple[dt.date, list[dt.date]]] = {}  # a month's previous month and trend window, once
    for by_month in series.values():
        for month, row in by_month.items():
            if period is not None and month != period:
                continue
            if month not in calendar:
                calendar[month] = (_add_months(month, -1), [_add_months(month, k - 11) for k in range(12)])
            previous_month, window = calendar[month]
            before = by_month.get(previous_month)
            previous = before["actual"] if before else None
            row["previous"] = previous
            row["status_previous"] = before["status"] if before else None
            actual = row["actual"]
            change = None if actual is None or previous is None else actual - previous
            row["change"] = change
            row["change_pct"] = None if change is None or previous == 0 else change / abs(previous) * 100
            row["is_change_favourable"] = (
                None
                if change is None or change == 0 or row["direction"] not in ("higher_is_better", "lower_is_better")
                else (change > 0) == (row["direction"] == "higher_is_better")
            )
            row["trend"] = [r["actual"] for r in map(by_month.get, window) if r is not None]
            out.append(row)
    return out


def _add_months(month: dt.date, k: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + k
    return dt.date(total // 12, total % 12 + 1, 1)
