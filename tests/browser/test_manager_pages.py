"""A manager's questions, answered in a real browser on the nightly run's pages (the shared session company of
conftest.py): which department has the worst absenteeism this month and is it getting worse (one click from the
overview), is payroll cost over budget (on the overview), one count of quarantined rows on the badge, its tooltip
and the quality page's card, and a change that is zero as written shows the neutral mark."""

from __future__ import annotations

import re

import pytest
from fixtures.browser import END_PERIOD

pytestmark = pytest.mark.browser


def _page_data(site, name: str) -> dict:
    from faults.disclosure_attack import page_data

    return page_data((site["reports"] / name).read_text(encoding="utf-8"))


def _kpi(con, code: str, department: str, period: str) -> float | None:
    rows = con.execute(
        "select value from marts.kpi_values where kpi_code = ? and department_id = ? and strftime(period, '%Y-%m') = ?",
        [code, department, period],
    ).fetchall()
    return rows[0][0] if rows else None


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_the_worst_absenteeism_of_the_month_and_its_trend_in_one_click(site, tab):
    con, code = site["con"], "absenteeism_rate_pct"
    data = _page_data(site, "overview.html")
    month = data["periods"].index(END_PERIOD)
    shown = [
        d for d, _ in data["departments"]
        if d != "ALL" and data["marks"].get(code, {}).get(d, "0" * len(data["periods"]))[month] == "0"
        and _kpi(con, code, d, END_PERIOD) is not None
    ]  # fmt: skip
    worst = max(shown, key=lambda d: _kpi(con, code, d, END_PERIOD))
    page = tab.open("overview.html")
    page.wait_for_selector("body[data-charts='1']", state="attached")
    assert not _in_view(page, "#chart-side")  # the chart is below the cards
    page.locator(f"[data-kpi='{code}']").click()  # the one click
    caption = page.locator("#chart-caption")
    assert _in_view(page, "#chart-side") and _in_view(page, "#chart-caption")
    assert caption.get_attribute("data-department") == worst
    assert float(caption.get_attribute("data-value")) == pytest.approx(_kpi(con, code, worst, END_PERIOD), abs=1e-4)
    names = dict(data["departments"])
    text = caption.inner_text()
    assert text.startswith(f"Worst in June 2025: {names[worst]}, ")
    # is it getting worse: the change on May, as the warehouse has it, with its verdict
    change = _kpi(con, code, worst, END_PERIOD) - _kpi(con, code, worst, "2025-05")
    written = f"{change:+.2f} pts vs May 2025" if round(change, 2) else "0.00 pts vs May 2025"
    assert written in text
    if round(change, 2):
        assert text.endswith(", worse") == (change > 0)
    # the bars are ranked worst first, each labelled with its value
    labels = page.locator("#chart-side text.bartext").all_text_contents()
    assert labels and labels[0] == f"{_kpi(con, code, worst, END_PERIOD):.2f}%"
    assert tab.errors == []


def test_whether_payroll_cost_is_over_budget_is_on_the_overview(site, tab):
    con = site["con"]
    variance = _kpi(con, "payroll_cost_budget_variance_pct", "ALL", END_PERIOD)
    budget = _kpi(con, "payroll_cost_budget_idr", "ALL", END_PERIOD)
    cost = _kpi(con, "payroll_cost_total_idr", "ALL", END_PERIOD)
    assert variance is not None and budget
    assert variance == pytest.approx((cost - budget) / budget * 100)
    status = con.execute(
        "select status from marts.scorecard where kpi_code = 'payroll_cost_budget_variance_pct' "
        "and department_id = 'ALL' and strftime(period, '%Y-%m') = ?",
        [END_PERIOD],
    ).fetchall()[0][0]
    page = tab.open("overview.html")
    card = page.locator("[data-kpi='payroll_cost_budget_variance_pct']")
    assert float(card.locator(".value").get_attribute("data-value")) == pytest.approx(variance, abs=1e-4)
    assert card.locator(".value").inner_text() == f"{variance:.2f}%"
    assert (
        card.locator(".status")
        .inner_text()
        .startswith({"green": "On target", "amber": "Near target", "red": "Off target"}[status])
    )
    # the payroll page has the amount too, in full on hover
    page = tab.open("payroll.html")
    amount = page.locator("[data-kpi='payroll_cost_budget_variance_idr'] .value")
    assert float(amount.get_attribute("data-value")) == round(cost - budget)
    title = amount.get_attribute("title") or amount.inner_text()
    assert title.replace("Rp ", "").replace(",", "") == str(round(cost - budget))
    assert tab.errors == []


def test_one_count_of_quarantined_rows_on_the_badge_its_tooltip_and_the_card(site, tab):
    from dashboards.quality import quarantined_rows

    expected = quarantined_rows(site["con"])
    assert expected == 1  # the leave request with a leave type the contract does not allow
    for name in ("overview.html", "quality.html"):
        page = tab.open(name)
        badge = page.locator("[data-quality-badge]")
        assert re.search(r"quarantined rows (\d+)", badge.inner_text()).group(1) == str(expected)
        assert re.search(r"quarantined rows (\d+)", badge.get_attribute("title")).group(1) == str(expected)
    card = page.locator("[data-kpi='rows_quarantined'] .value")
    assert card.inner_text() == str(expected)
    assert page.locator("[data-quarantine]").get_attribute("data-quarantine") == str(expected)
    assert tab.errors == []


def test_a_change_that_is_zero_as_written_shows_the_neutral_mark(site, tab):
    data = _page_data(site, "overview.html")
    month = data["periods"].index(END_PERIOD)
    decimals = data["format"]["decimals"]
    unchanged = None
    for kpi in data["kpis"]:
        for department, series in sorted(data["values"][kpi["code"]].items()):
            now, before = series[month], series[month - 1]
            if now is not None and before is not None and round(abs(now - before), decimals[kpi["unit"]]) == 0:
                unchanged = (kpi["code"], department)
                break
        if unchanged:
            break
    assert unchanged, "the company has a KPI unchanged on May in some department"
    page = tab.open("overview.html")
    page.select_option("#filter-department", unchanged[1])
    line = page.locator(f"[data-kpi='{unchanged[0]}'] [data-change='month']")
    assert "neutral" in line.get_attribute("class") and "unchanged" in line.get_attribute("class")
    text = line.inner_text()
    assert text.startswith("= ") and "+" not in text and "▲" not in text and "▼" not in text
    assert page.evaluate("[Kinerja.formatChange(0.04, 'days'), Kinerja.formatChange(0.06, 'days')]") == [
        "0.0 d",
        "+0.1 d",
    ]
    assert tab.errors == []
