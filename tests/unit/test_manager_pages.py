"""What the manager pages answer first, on the hand-made warehouse of test_dashboard_pages (two months, May and June
2025; D1 Operations 10 people, D2 a small group, D3 Sales withheld beside it):

  off target   one count for every page: the overview's and domain pages' "needs attention" strip and the monthly
               review's "departments off target" come from kpi_pages.off_target. May: the company's turnover 6.5
               is amber (target 5.0, band 2), D1's 10.0 is red (the company target applies to a rate); June: the
               company's turnover 8.0 is red, D1's 0.0 is green; D2 and D3 are never shown.
  zero change  a change that is zero at the unit's decimals is written without a sign and is neither better nor
               worse.
  quarantine   one count of quarantined rows: rows of the file versions that currently count (loaded), not the
               manifest's own count nor rows of versions superseded since.
  checks       the quality page lists the failing checks only, errors first, and a table x day matrix.
  budget       budget against actual on the finance page leaves out what the disclosure control withholds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from dashboards import formatting
from dashboards.kpi_pages import budget_payload, off_target, render_domain, render_overview
from dashboards.quality import quality_payload, quarantined_by_source, quarantined_rows, render_quality
from dashboards.review import render_reviews, review_context

# the warehouse and the page helpers of the dashboard page tests
_spec = importlib.util.spec_from_file_location("dashboard_pages", Path(__file__).with_name("test_dashboard_pages.py"))
_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pages)
warehouse = _pages.warehouse
payload, site_for = _pages.payload, _pages.site_for
MAY, JUNE = _pages.MAY, _pages.JUNE


def _review_red(html: str) -> list[str]:
    block = html.split("<ul data-red-departments>")[1].split("</ul>")[0] if "<ul data-red-departments>" in html else ""
    return [item.split("</li>")[0] for item in block.split("<li>")[1:]]


def test_the_overview_and_the_review_count_what_is_off_target_the_same_way(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path)
    overview = payload(render_overview(warehouse, site))
    reviews = {p.name: p.read_text() for p in render_reviews(warehouse, site)}
    may, june = overview["attention"]
    assert may == {"kpis": [], "pairs": [["turnover_rate_monthly_pct", "D1"]]}
    assert june == {"kpis": ["turnover_rate_monthly_pct"], "pairs": []}
    for i, period in enumerate((MAY, JUNE)):
        context = review_context(warehouse, site, period)
        assert len(context["red_departments"]) + context["red_more"] == len(overview["attention"][i]["pairs"])
        red_scorecard = [r for r in context["scorecard"] if r["status"]["code"] == "r"]
        assert len(red_scorecard) == len(overview["attention"][i]["kpis"])
    assert _review_red(reviews["review-2025-05.html"]) == ["Operations: Turnover rate, monthly 10.00% (Target ≤ 5.00%)"]
    assert _review_red(reviews["review-2025-06.html"]) == []
    # a domain page counts its own KPIs only: the payroll page has no turnover
    assert payload(render_domain(warehouse, site, "payroll"))["attention"] == [{"kpis": [], "pairs": []}] * 2
    assert payload(render_domain(warehouse, site, "hr"))["attention"] == overview["attention"]


def test_off_target_puts_the_worst_first_and_leaves_withheld_figures_out():
    def row(code, dept, actual, target, direction="lower_is_better", status="red", mark="0"):
        return {"kpi_code": code, "department_id": dept, "actual": actual, "target": target, "direction": direction,
                "status": status, "mark": mark}  # fmt: skip

    rows = [
        row("turnover", "D1", 6.0, 5.0),  # 20 % beyond
        row("turnover", "D2", 9.0, 5.0, mark="1"),  # a small group's: never named
        row("sla", "D3", 60.0, 90.0, "higher_is_better"),  # 33 % short
        row("sla", "D4", 85.0, 90.0, "higher_is_better", status="amber"),
        row("variance", "D5", 3.0, 0.0),  # target 0: measured against 1
        row("turnover", "ALL", 5.5, 5.0),
    ]
    found = off_target(rows)
    assert [(r["kpi_code"], r["department_id"]) for r in found["pairs"]] == [
        ("variance", "D5"), ("sla", "D3"), ("turnover", "D1"),
    ]  # fmt: skip
    assert [r["department_id"] for r in found["kpis"]] == ["ALL"]
    assert [r["department_id"] for r in off_target(rows, {"sla"})["pairs"]] == ["D3"]


def test_a_change_that_is_zero_as_written_has_no_sign_and_no_colour():
    assert formatting.kpi_change(0.04, "days", "en") == "0.0 d"  # not "+0.0 d"
    assert formatting.kpi_change(-0.004, "pct", "en") == "0.00 pts"
    assert formatting.kpi_change(0.3, "pct", "en") == "+0.30 pts"
    assert formatting.is_unchanged(0.04, "days") and not formatting.is_unchanged(0.06, "days")
    assert formatting.is_unchanged(0.4, "money") and not formatting.is_unchanged(0.6, "money")


def test_one_decimal_rule_per_unit_and_compact_money_on_cards():
    assert formatting.kpi_value(34, "fte", "en") == "34.0"  # FTE keeps its decimal: never 34 beside 34.5
    assert formatting.kpi_value(61.04, "employees", "en") == "61"  # whole at the unit's precision
    assert formatting.kpi_value(61.16, "employees", "en") == "61.2"
    assert formatting.compact_money(992_734_724, "en", "IDR") == "Rp 993M"
    assert formatting.compact_money(1_770_768_757, "en", "IDR") == "Rp 1.77B"
    assert formatting.compact_money(1_770_768_757, "id", "IDR") == "Rp 1,77 M"
    assert formatting.compact_money(17_700_000, "id", "IDR") == "Rp 17,7 jt"
    assert formatting.compact_money(-3_465_276, "en", "USD") == "-$3.47M"
    assert formatting.compact_money(62_500.6, "en", "USD") == "$62,501"  # below a million: in full


def _manifest(con, rows):
    con.execute("delete from meta.load_manifest")
    con.executemany(
        "insert into meta.load_manifest (file_sha256, contract, source_path, status, rows_read, rows_staged, "
        "rows_quarantined, loaded_at) values (?, 'hris__leave', 'hris/leave.csv', ?, 3, 2, ?, ?)",
        [(sha, status, n, dt.datetime(2025, 7, 1, h, 0)) for sha, status, n, h in rows],
    )


def test_one_count_of_quarantined_rows_from_the_file_versions_that_count_now(warehouse, tmp_path):
    # a bad version (two quarantined rows) replaced by a fixed one (one row): the quarantine table still holds
    # the old version's rows and the manifest's count of the fixed version is stale (3)
    warehouse.execute(
        "insert into quarantine.hris__leave select 'old', 'hris/leave.csv', 5, 'allowed_values', 'leave_type', "
        "'not allowed', 1, '{}' from range(2)"
    )
    _manifest(warehouse, [("old", "superseded", 2, 1), ("abc", "loaded", 3, 2)])
    assert quarantined_by_source(warehouse) == {"hris__leave": 1}
    assert quarantined_rows(warehouse) == 1
    site = site_for(warehouse, tmp_path)
    assert site.badge.quarantined_rows == 1 and site.badge.level == "warn"
    html = render_overview(warehouse, site).read_text()
    assert "Data quality: quarantined rows 1<" in html and "quarantined rows 1, failing checks 0" in html
    data = payload(render_quality(warehouse, site))
    assert data["quarantined"] == 1
    assert data["quarantine"] == [["hris__leave", "allowed_values", "leave_type", 1]]
    assert sum(r[5] for r in data["rows"]) == 1  # the monthly view counts the same rows
    june = {p.name: p for p in render_reviews(warehouse, site)}["review-2025-06.html"].read_text()
    assert "Rows quarantined: 1<" in june
    # the version retracted: nothing counts, and the badge says no issue
    _manifest(warehouse, [("old", "superseded", 2, 1), ("abc", "retracted", 1, 2)])
    assert quarantined_rows(warehouse) == 0
    assert site_for(warehouse, tmp_path).badge.level == "ok"


def test_the_quality_page_lists_failing_checks_first_and_a_matrix_of_days(warehouse, tmp_path):
    warehouse.execute(
        "create table meta.check_results (checked_at timestamp, table_name varchar, check_name varchar, "
        "severity varchar, passed boolean, unexpected_count bigint)"
    )
    day = dt.datetime(2025, 7, 1, 2, 0)
    results = [
        (day - dt.timedelta(days=2), "core.a", "rows", "ERROR", True, 0),
        (day - dt.timedelta(days=1), "core.a", "rows", "ERROR", False, 3),
        (day, "core.a", "rows", "ERROR", False, 4),
        (day, "core.b", "unique", "WARN", False, 1),
        (day, "core.c", "rows", "ERROR", True, 0),
        (day - dt.timedelta(days=40), "core.c", "rows", "ERROR", False, 9),  # before the 30 days
    ]
    warehouse.executemany("insert into meta.check_results values (?, ?, ?, ?, ?, ?)", results)
    data, _ = quality_payload(warehouse, site_for(warehouse, tmp_path))
    assert [c[:4] for c in data["checks"]] == [["core.a", "rows", False, "ERROR"], ["core.b", "unique", False, "WARN"]]
    assert data["checksPassed"] == 1
    matrix = data["matrix"]
    assert len(matrix["days"]) == 30 and matrix["days"][-1] == "2025-07-01"
    assert matrix["rows"] == [["core.a", "-" * 27 + "pff"], ["core.b", "-" * 29 + "w"], ["core.c", "-" * 29 + "p"]]


def test_budget_against_actual_leaves_out_what_the_disclosure_control_withholds(warehouse, tmp_path):
    # D2 is a small group in both months and D3 is withheld beside it; D1 is shown
    warehouse.execute(
        "create table marts.finance_budget_vs_actual as select * from (values "
        "(date '2025-06-01', 'D1', 'personnel', 'expense', 100.0, 90.0, 'below_budget'), "
        "(date '2025-06-01', 'D2', 'personnel', 'expense', 30.0, 35.0, 'below_budget'), "
        "(date '2025-06-01', 'D3', 'personnel', 'expense', 50.0, 50.0, 'below_budget'), "
        "(date '2025-06-01', 'D1', 'it', 'expense', 10.0, 12.0, 'below_budget'), "
        "(date '2025-06-01', 'D2', 'it', 'expense', 5.0, 4.0, 'below_budget'), "
        "(date '2025-06-01', 'D1', 'travel', 'expense', 7.0, null, 'below_budget')) "
        "t(period, department_id, account_category, account_type, actual_idr, budget_idr, variance_favourable_when)"
    )
    budget = budget_payload(warehouse, site_for(warehouse, tmp_path))
    assert budget["categories"] == [["it", "below_budget"], ["personnel", "below_budget"]]  # travel has no budget
    # it: D2 alone is withheld, so the company's it line (D1 + D2) would give it away: left out too
    assert budget["rows"] == [[0, "D1", 1, 10, 12], [1, "ALL", 1, 180, 175], [1, "D1", 1, 100, 90]]
    assert budget_payload(warehouse.execute("drop table marts.finance_budget_vs_actual") or warehouse,
                          site_for(warehouse, tmp_path)) is None  # fmt: skip


def test_a_target_owner_and_comment_reach_the_card_data_and_the_review(warehouse, tmp_path):
    for column in ("target_owner", "target_comment"):
        warehouse.execute(f"alter table marts.scorecard add column if not exists {column} varchar")
    warehouse.execute(
        "update marts.scorecard set target_owner = 'HR Director', target_comment = 'Retention plan' "
        "where kpi_code = 'turnover_rate_monthly_pct' and department_id = 'ALL' and period = ?",
        [JUNE],
    )
    site = site_for(warehouse, tmp_path)
    notes = payload(render_overview(warehouse, site))["targetNotes"]
    assert notes == {"turnover_rate_monthly_pct": {"ALL": [None, ["HR Director", "Retention plan"]]}}
    rows = {r["name"]: r for r in review_context(warehouse, site, JUNE)["scorecard"]}
    assert rows["Turnover rate, monthly"]["target_note"] == "Owner: HR Director · Retention plan"
    assert all(r.get("target_note", "") == "" for name, r in rows.items() if name != "Turnover rate, monthly")
