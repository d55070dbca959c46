"""Defect (issue 13, defect 5): small-group suppression was defeated by subtraction. With one person in a
department, the company figure minus the visible departments gave that person's monthly payroll cost, PPh 21 and
THR exactly, and their headcount (1) was displayed. Now the disclosure control (dashboards/disclosure.py) withholds
a second figure in every row that has a withheld one, withholds a rolling KPI while its window holds a withheld
month, shows a small group's headcount as a band, and counts findings of withheld departments together.

The attacker (tests/faults/disclosure_attack.py) reads every published page (page text and the embedded page
data that the cards, charts, tables and CSV exports are built from) and tries the subtraction on every additive
KPI and month, and the rolling window on annual turnover, against the truth in the warehouse. The warehouse is
tests/faults/small_company.py: D1 has one person for ten months.
"""

from __future__ import annotations

import dataclasses

import pytest
from faults import small_company as company
from faults.disclosure_attack import attack, page_data, summary

from dashboards.disclosure import ALL, SHOWN, SMALL, WITHHELD, Disclosure, plan


@pytest.fixture
def warehouse(con):
    company.build(con)
    return con


def _published(con, site) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in company.render_all(con, site)}


def test_no_withheld_figure_can_be_worked_out_from_the_published_pages(warehouse, tmp_path):
    site = company.site_for(warehouse, tmp_path / "reports")
    pages = _published(warehouse, site)
    assert {"overview.html", "hr.html", "payroll.html", "controls.html", "quality.html"} <= set(pages)
    found = attack(tmp_path / "reports", warehouse)
    assert found == [], "\n".join(map(str, found[:20]))


def test_the_attack_recovers_the_one_person_department_when_only_small_groups_are_withheld(warehouse, tmp_path):
    """The defect as it was: primary suppression alone. The attacker recovers D1's payroll cost, PPh 21 and THR
    (payroll page), headcount (HR page) and a withheld month's turnover from the annual rate."""
    site = company.site_for(warehouse, tmp_path / "reports")
    primary_only = Disclosure(
        site.disclosure.min_size,
        site.disclosure.n_periods,
        {d: marks.replace(WITHHELD, SHOWN) for d, marks in site.disclosure.departments.items()},
    )
    company.render_all(warehouse, dataclasses.replace(site, disclosure=primary_only))
    found = attack(tmp_path / "reports", warehouse)
    counts = summary(found)
    assert counts[("payroll.html", "subtract")] >= 3 * 9  # payroll cost, statutory cost, PPh 21, THR: D1's months
    assert counts[("hr.html", "subtract")] >= 9 and counts[("hr.html", "window")] >= 1
    recovered = {(f.kpi, f.department, f.period) for f in found}
    assert ("pph21_withheld_idr", "D1", "2024-05") in recovered
    assert ("thr_paid_idr", "D1", "2025-03") not in recovered  # D1 has six people by March 2025


def test_every_row_with_a_withheld_figure_has_a_second_one(warehouse, tmp_path):
    """tau-argus's rule: in every KPI and month where the company is shown, the departments with a value that
    are withheld number zero or at least two."""
    site = company.site_for(warehouse, tmp_path)
    rows = warehouse.execute(
        "select kpi_code, department_id, period from marts.scorecard where actual is not null"
    ).fetchall()
    index = {p: i for i, p in enumerate(site.periods)}
    by_row: dict[tuple[str, int], list[str]] = {}
    for code, department, period in rows:
        by_row.setdefault((code, index[period]), []).append(department)
    d = site.disclosure
    for (code, i), departments in by_row.items():
        if not d.shown(code, ALL, i):
            continue
        hidden = [x for x in departments if x != ALL and not d.shown(code, x, i)]
        assert len(hidden) != 1, (code, site.periods[i], hidden)
    # D1 alone is small in May 2024: D2, the next-smallest, is withheld beside it; in August D2 is small too
    assert d.departments["D1"][:10] == SMALL * 10 and d.departments["D1"][10:] == SHOWN * 4
    assert d.departments["D2"][0] == WITHHELD and d.departments["D2"][3] == SMALL
    assert d.departments["D3"] == d.departments["D4"] == d.departments[ALL] == SHOWN * 14


def test_a_rolling_kpi_is_withheld_while_its_window_holds_a_withheld_month(warehouse, tmp_path):
    d = company.site_for(warehouse, tmp_path).disclosure
    # D1 is small until February 2025 (month 9): its annual turnover stays withheld through January 2026
    assert [d.shown("turnover_rate_annual_pct", "D1", i) for i in range(14)] == [False] * 14
    assert [d.shown("turnover_rate_monthly_pct", "D1", i) for i in range(14)] == [False] * 10 + [True] * 4


def test_a_small_groups_headcount_is_a_band_not_the_number(warehouse, tmp_path):
    site = company.site_for(warehouse, tmp_path)
    pages = _published(warehouse, site)
    hr = page_data(pages["hr.html"])
    assert hr["values"]["headcount_period_end"]["D1"][:10] == [None] * 10
    assert hr["values"]["headcount_period_end"]["D1"][10:] == [6, 6, 6, 6]
    assert hr["marks"]["headcount_period_end"]["D1"] == SMALL * 10 + SHOWN * 4
    assert "employees" in hr["bandUnits"] and hr["minGroup"] == 5
    assert site.hidden_text(SMALL, "employees") == "< 5"  # what the card, table and CSV export write
    assert site.hidden_text(SMALL, "money") == "n<5" and site.hidden_text(WITHHELD, "money") == "x"
    assert "< 5" in hr["labels"]["band"].format(min=5)


def test_findings_of_withheld_departments_are_counted_together(warehouse, tmp_path):
    site = company.site_for(warehouse, tmp_path)
    pages = _published(warehouse, site)
    rows = page_data(pages["controls.html"])["rows"]
    # October 2024 (month 5): D1's finding is under no department, D4's is its own; the company total is whole
    october = [r for r in rows if r[3] == 5]
    assert sorted(october) == [[0, "PAY_AFTER_TERM", "high", 5, "D4", 1, 4000000],
                               [0, "PAY_AFTER_TERM", "high", 5, "~", 1, 9100000]]  # fmt: skip
    # March 2025 (month 12): D1 has six people, its finding is its own
    assert [r[4] for r in rows if r[3] == 12] == ["D1"]
    quality = page_data(pages["quality.html"])["findings"]
    assert sorted(r[4] for r in quality) == ["D4", "~"]


def test_review_pages_show_no_withheld_figure(warehouse, tmp_path):
    site = company.site_for(warehouse, tmp_path)
    pages = _published(warehouse, site)
    for name, html in pages.items():
        if name.startswith("review-") and name < "review-2025-03":
            off = html.split("data-red-departments", 1)[-1].split("</ul>")[0] if "data-red-departments" in html else ""
            assert "Solo:" not in off, name


def test_a_company_under_the_minimum_size_shows_no_figure(tmp_path):
    cells = [("payroll_cost_total_idr", d, 0, True, s, s < 5) for d, s in (("ALL", 3.0), ("D1", 1.0), ("D2", 2.0))]
    d = plan(cells, company.MONTHS[:1], 5)
    assert d.mark("payroll_cost_total_idr", ALL, 0) == SMALL
    assert {d.mark("payroll_cost_total_idr", x, 0) for x in ("D1", "D2")} == {SMALL}


def test_one_small_department_and_no_other_withholds_the_company(tmp_path):
    cells = [("thr_paid_idr", "ALL", 0, True, 7.0, False), ("thr_paid_idr", "D1", 0, True, 1.0, True)]
    d = plan(cells, company.MONTHS[:1], 5)
    assert d.mark("thr_paid_idr", "D1", 0) == SMALL and d.mark("thr_paid_idr", ALL, 0) == WITHHELD


def test_a_department_without_a_value_is_no_protection(tmp_path):
    """D2 is withheld beside D1, but has no THR figure: for THR, D3 is withheld too."""
    cells = [
        ("thr_paid_idr", "ALL", 0, True, 30.0, False),
        ("thr_paid_idr", "D1", 0, True, 1.0, True),
        ("thr_paid_idr", "D2", 0, False, 6.0, False),
        ("thr_paid_idr", "D3", 0, True, 9.0, False),
        ("thr_paid_idr", "D4", 0, True, 14.0, False),
    ]
    d = plan(cells, company.MONTHS[:1], 5)
    assert [d.mark("thr_paid_idr", x, 0) for x in ("ALL", "D1", "D2", "D3", "D4")] == ["0", "1", "2", "2", "0"]
