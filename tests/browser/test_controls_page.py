"""The controls page as a reviewer reaches it: from the overview, one click on the navigation shows the open
high-severity findings and their amount, equal to the warehouse's; the list narrows by severity and rule; no
employee id, name, tax id or bank account is on the page; every KPI card links to its definition."""

from __future__ import annotations

import re


def _open_high(con) -> tuple[int, int]:
    """Open high-severity findings and their amount, from the warehouse (marts.finding_status)."""
    n, amount = con.execute(
        "select count(*), coalesce(sum(amount_at_risk_idr), 0) from marts.finding_status "
        "where is_open and severity in ('critical', 'high')"
    ).fetchone()
    return int(n), int(amount)


def test_one_click_from_the_overview_shows_the_open_high_severity_amount(site, tab):
    page = tab.open("overview.html")
    page.click("nav.pages a[data-nav='controls']")  # the one click
    page.wait_for_selector("body[data-ready='1']", state="attached")
    assert page.url.split("#")[0].endswith("/controls.html")
    n, amount = _open_high(site["con"])
    assert n > 0, "the demo company plants high-severity findings"
    tile = page.locator("[data-kpi='high_open_amount'] .value")
    assert int(tile.get_attribute("data-value")) == amount
    assert tile.inner_text() == f"Rp {amount:,}"
    assert page.locator("[data-kpi='high_open'] .value").inner_text() == f"{n:,}"
    # the list, filtered to high severity, holds those findings: each with a severity word, not a colour alone
    page.select_option("#filter-severity", "high")
    rows = page.locator("[data-open-findings] tbody tr")
    assert rows.count() == n
    assert set(page.locator("[data-open-findings] tbody .sev").all_inner_texts()) == {"high"}
    assert tab.errors == []


def test_reviews_take_findings_off_the_list_and_no_personal_identifier_is_shown(site, tab):
    con = site["con"]
    closed = con.execute("select count(*) from marts.finding_status where not is_open").fetchone()[0]
    assert closed >= 3, "the demo's reviews close a resolved finding and two false positives"
    n_open = con.execute("select count(*) from marts.finding_status where is_open").fetchone()[0]
    page = tab.open("controls.html")
    assert page.locator("[data-open-findings]").get_attribute("data-open-findings") == str(n_open)
    html = (site["reports"] / "controls.html").read_text(encoding="utf-8")
    people = con.execute(
        "select employee_id, full_name, tax_id, bank_account from canonical.employees where employee_id in "
        "(select entity_key from marts.finding_status where entity = 'employee')"
    ).fetchall()
    assert people
    for person in people:
        for value in person:
            if value and len(str(value)) > 3:
                assert not re.search(rf"(?<![\w•]){re.escape(str(value))}(?!\w)", html), value
    # the rule filter narrows the list to one rule, named in words
    rule = page.locator("#filter-rule option").nth(1)
    page.select_option("#filter-rule", rule.get_attribute("value"))
    names = set(page.locator("[data-open-findings] tbody td:nth-child(2)").all_inner_texts())
    assert names == {rule.inner_text()}


def test_every_kpi_card_links_to_its_definition(site, tab):
    page = tab.open("overview.html")
    cards = page.locator(".card[data-kpi]")
    assert cards.count() > 0
    for i in range(cards.count()):
        code = cards.nth(i).get_attribute("data-kpi")
        assert cards.nth(i).locator("a[data-definition]").get_attribute("href") == f"definitions.html#kpi-{code}"
    page.locator(".card[data-kpi] a[data-definition]").first.click()
    page.wait_for_selector("body[data-ready='1']", state="attached")
    anchor = page.url.split("#", 1)[1]
    assert page.locator(f"article[id='{anchor}']").count() == 1
    assert page.locator("#rules article[data-rule]").count() > 30
