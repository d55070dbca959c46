"""The reader who does arithmetic: every figure the published pages give away (page text, the embedded page data
the charts, tables and CSV exports are built from), then every attempt to recover a figure that is withheld.

Attacks (``attack(reports_dir, con, min_group)``):
  shown       a figure of a group below the minimum size is in the page (a number, not a band)
  subtract    for a KPI where the company is the sum of the departments in the warehouse (additive), company
              minus the visible departments, when exactly one department with a value is withheld
  window      a 12-month rolling KPI (annual turnover = sum of the monthly rates of m-11..m) minus the visible
              monthly rates, when exactly one month of the window is withheld
  findings    findings rows (controls, data quality) carrying a department and month that is withheld

The truth comes from the warehouse (``marts.kpi_values``); a recovery counts when it matches the withheld value
within the rounding of the published figures. Used by tests/faults/test_disclosure.py and the browser test, and
runnable on any published folder: ``python tests/faults/disclosure_attack.py REPORTS WAREHOUSE [MIN]``.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DATA_BLOCK = re.compile(r'<script type="application/json" id="kinerja-data">(.*?)</script>', re.S)
ROLLING = {"turnover_rate_annual_pct": "turnover_rate_monthly_pct"}  # rolling KPI -> the monthly KPI it sums


@dataclass(frozen=True)
class Finding:
    page: str
    attack: str
    kpi: str
    department: str
    period: str
    value: float | None  # what the attacker got
    truth: float | None

    def __str__(self) -> str:
        where = f"{self.kpi} {self.department} {self.period}"
        return f"{self.page}: {self.attack} {where}: {self.value} (true {self.truth})"


def page_data(html: str) -> dict | None:
    match = DATA_BLOCK.search(html)
    return json.loads(match.group(1)) if match else None


def truth_table(con) -> tuple[dict, dict]:
    """(kpi, department, 'YYYY-MM') -> value, and (department, 'YYYY-MM') -> is small, from marts.kpi_values."""
    values, small = {}, {}
    rows = con.execute(
        "select kpi_code, department_id, strftime(period, '%Y-%m'), value, coalesce(is_small_group, false) "
        "from marts.kpi_values where department_id is not null"
    ).fetchall()
    for code, department, period, value, is_small in rows:
        values[(code, department, period)] = value
        small[(department, period)] = small.get((department, period), False) or bool(is_small)
    return values, small


def additive_codes(values: dict) -> set[str]:
    """KPIs whose company value is the sum of its departments' in every month of the warehouse."""
    by = defaultdict(lambda: defaultdict(dict))
    for (code, department, period), value in values.items():
        by[code][period][department] = value
    additive = set()
    for code, periods in by.items():
        checked, ok = 0, True
        for cells in periods.values():
            company = cells.get("ALL")
            parts = [v for d, v in cells.items() if d != "ALL" and v is not None]
            if company is None or len(parts) < 2:
                continue
            checked += 1
            if abs(company - sum(parts)) > 1e-6 * max(1.0, abs(company)):
                ok = False
                break
        if ok and checked:
            additive.add(code)
    return additive


def tolerance(unit: str, n: int) -> float:
    """How far apart the attacker's result may be from the truth after ``n`` published figures were rounded."""
    return (0.5 if unit in ("money", "idr") else 0.5e-4) * n + 1e-6


def _kpi_attacks(name: str, data: dict, values: dict, small: dict, additive: set[str]) -> list[Finding]:
    found = []
    periods = data["periods"]
    departments = [d for d, _ in data["departments"] if d != "ALL"]
    units = {k["code"]: k["unit"] for k in data["kpis"]}
    published = data["values"]

    def shown(code: str, department: str, i: int):
        series = published.get(code, {}).get(department)
        return None if series is None else series[i]

    for code, unit in units.items():
        for i, period in enumerate(periods):
            for department in departments:
                if small.get((department, period)) and shown(code, department, i) is not None:
                    found.append(Finding(name, "shown", code, department, period, shown(code, department, i),
                                         values.get((code, department, period))))  # fmt: skip
            if code not in additive:
                continue
            company = shown(code, "ALL", i)
            if company is None:
                continue
            visible = [shown(code, d, i) for d in departments if shown(code, d, i) is not None]
            hidden = [d for d in departments if shown(code, d, i) is None and values.get((code, d, period)) is not None]
            if len(hidden) != 1:
                continue
            guess, truth = company - sum(visible), values[(code, hidden[0], period)]
            if abs(guess - truth) <= tolerance(unit, len(visible) + 1):
                found.append(Finding(name, "subtract", code, hidden[0], period, guess, truth))
    for rolling, monthly in ROLLING.items():
        if rolling not in units or monthly not in units:
            continue
        for department in ["ALL", *departments]:
            for i in range(11, len(periods)):
                annual = shown(rolling, department, i)
                window = range(i - 11, i + 1)
                truths = [values.get((monthly, department, periods[j])) for j in window]
                if annual is None or any(t is None for t in truths):
                    continue
                hidden = [j for j in window if shown(monthly, department, j) is None]
                if len(hidden) != 1:
                    continue
                guess = annual - sum(shown(monthly, department, j) for j in window if j != hidden[0])
                truth = truths[hidden[0] - (i - 11)]
                if abs(guess - truth) <= tolerance("pct", 13):
                    found.append(Finding(name, "window", monthly, department, periods[hidden[0]], guess, truth))
    return found


def _withheld(data: dict) -> dict[str, str]:
    """department -> one character per month, as the page has it: anything but 0 is withheld."""
    return data.get("withheld") or data.get("small") or {}


def _findings_attacks(name: str, data: dict, small: dict) -> list[Finding]:
    found = []
    periods = data["periods"]
    for key in ("rows", "findings"):
        rows = data.get(key) or []
        for row in rows:
            if not isinstance(row, list) or len(row) < 6 or not isinstance(row[3], int):
                continue
            department, i = row[4], row[3]
            if department and 0 <= i < len(periods) and small.get((department, periods[i])):
                found.append(Finding(name, "findings", str(row[1]), department, periods[i], row[5], None))
    return found


def _review_attacks(name: str, html: str, hidden_names: set[tuple[str, str]]) -> list[Finding]:
    """The review's "departments off target" list names a department with its value: never one whose figures
    are withheld that month (a small group, or one withheld beside it)."""
    found = []
    period = re.search(r"review-(\d{4}-\d{2})\.html", name)
    block = re.search(r"<ul data-red-departments>(.*?)</ul>", html, re.S)
    if not period or not block:
        return found
    for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S):
        department = html_lib.unescape(item.split(":", 1)[0]).strip()
        if (department, period.group(1)) in hidden_names:
            found.append(Finding(name, "shown", "review", department, period.group(1), None, None))
    return found


def attack(reports: Path, con) -> list[Finding]:
    values, small = truth_table(con)
    additive = additive_codes(values)
    found: list[Finding] = []
    names: dict[str, str] = {}
    withheld: dict[str, str] = {}
    periods: list[str] = []
    pages = sorted(p for p in Path(reports).glob("*.html"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        data = page_data(html)
        if data is None:
            continue
        names.update({d: n for d, n in data.get("departments", [])})
        withheld, periods = _withheld(data), data.get("periods", [])
        if data.get("kind") == "kpi":
            found += _kpi_attacks(page.name, data, values, small, additive)
        elif data.get("kind") in ("findings", "quality"):
            found += _findings_attacks(page.name, data, small)
    hidden_names = {(names.get(d, d), p) for (d, p), is_small in small.items() if is_small}
    for department, marks in withheld.items():
        hidden_names |= {(names.get(department, department), periods[i]) for i, m in enumerate(marks) if m != "0"}
    for page in pages:
        if page.name.startswith("review-"):
            found += _review_attacks(page.name, page.read_text(encoding="utf-8"), hidden_names)
    return found


def summary(found: list[Finding]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for f in found:
        counts[(f.page, f.attack)] += 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    import duckdb

    reports, warehouse = Path(sys.argv[1]), sys.argv[2]
    with duckdb.connect(warehouse, read_only=True) as connection:
        result = attack(reports, connection)
    for (page, kind), n in summary(result).items():
        print(f"{page:28} {kind:10} {n}")
    for f in result[:15]:
        print(" ", f)
    print(f"total {len(result)}")
