"""Dashboard pages rendered from a hand-made warehouse: what the pages say, what they leave out (small groups,
personal keys), escaping, language, and that a KPI of a new domain gets a page with no new code.

Warehouse (two months, May and June 2025; minimum group size 5):
  departments  D1 "Operations" (10 people), D2 named <script>alert(1)</script> (3 then 2 people: small),
               D3 "Sales" (6 people: withheld beside D2, so that the company minus D1 and D3 gives nothing away)
  KPIs         headcount_period_end (hr, employees), turnover_rate_monthly_pct (hr, pct, lower is better),
               payroll_cost_per_employee_idr (payroll, money, lower), tickets_sla_pct (it, pct, higher)
  targets      turnover ALL 5.0 band 2 (May 6.5 amber, June 8.0 red); payroll ALL Rp 19,000,000 band 1,000,000
               (June 18,900,000 green); tickets ALL 90 band 5 (May 91.5 green, June 88 amber)
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fixtures.warehouse import create_staging, run_models

from assets.ingest.manifest import ensure_schemas
from assets.metadata import redact
from dashboards import formatting
from dashboards.findings import render_controls
from dashboards.kpi_pages import render_domain, render_overview
from dashboards.quality import render_quality
from dashboards.render import embed_json, load_site, page_domains
from dashboards.review import render_reviews
from pipelines.settings import Settings

D = dt.date.fromisoformat
SCRIPT_NAME = "<script>alert(1)</script>"
MAY, JUNE = D("2025-05-01"), D("2025-06-01")
REGISTRY = [
    ("headcount_period_end", "Headcount, period end", "Jumlah karyawan akhir periode", "hr", "employees", "neutral"),
    ("turnover_rate_monthly_pct", "Turnover rate, monthly", "Tingkat perputaran bulanan", "hr", "pct",
     "lower_is_better"),
    ("payroll_cost_per_employee_idr", "Payroll cost per employee", "Biaya penggajian per karyawan", "payroll",
     "money", "lower_is_better"),
    ("tickets_sla_pct", "Tickets within SLA", "Tiket sesuai SLA", "it", "pct", "higher_is_better"),
]  # fmt: skip
VALUES = {  # (kpi, department): (May, June)
    ("headcount_period_end", "ALL"): (19, 18),
    ("headcount_period_end", "D1"): (10, 10),
    ("headcount_period_end", "D2"): (3, 2),
    ("headcount_period_end", "D3"): (6, 6),
    ("turnover_rate_monthly_pct", "ALL"): (6.5, 8.0),
    ("turnover_rate_monthly_pct", "D1"): (10.0, 0.0),
    ("turnover_rate_monthly_pct", "D2"): (33.3333, 47.1234),
    ("turnover_rate_monthly_pct", "D3"): (0.0, 16.6667),
    ("payroll_cost_per_employee_idr", "ALL"): (18_700_000, 18_900_000),
    ("payroll_cost_per_employee_idr", "D1"): (18_000_000, 18_100_000),
    ("payroll_cost_per_employee_idr", "D2"): (21_345_678, 22_456_789),
    ("payroll_cost_per_employee_idr", "D3"): (19_123_456, 19_234_567),
    ("tickets_sla_pct", "ALL"): (91.5, 88.0),
}
GROUP_SIZE = {"ALL": 19, "D1": 10, "D2": 3, "D3": 6}


def target(kpi, value, direction, band):
    return {"kpi_code": kpi, "department_id": "ALL", "period_from": MAY, "target": value, "direction": direction,
            "amber_band": band}  # fmt: skip


@pytest.fixture
def warehouse(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_registry (code varchar, name varchar, name_id varchar, domain varchar, unit varchar, "
        "direction varchar, model varchar, definition varchar, formula varchar, source varchar)"
    )
    con.executemany(
        "insert into marts.kpi_registry values (?, ?, ?, ?, ?, ?, 'm', 'what it is', 'a / b', 'ref')", REGISTRY
    )
    units = {r[0]: r[4] for r in REGISTRY}
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    con.executemany(
        "insert into marts.kpi_values values (?, ?, ?, ?, null, null, ?, ?, ?)",
        [
            (period, dept, kpi, value, units[kpi], GROUP_SIZE[dept], GROUP_SIZE[dept] < 5)
            for (kpi, dept), pair in VALUES.items()
            for period, value in zip((MAY, JUNE), pair, strict=True)
        ],
    )
    create_staging(con, "performance__kpi_targets", [
        target("turnover_rate_monthly_pct", 5.0, "lower_is_better", 2.0),
        target("payroll_cost_per_employee_idr", 19_000_000, "lower_is_better", 1_000_000),
        target("tickets_sla_pct", 90, "higher_is_better", 5),
    ])  # fmt: skip
    create_staging(con, "hris__departments", [
        {"department_id": "D1", "department_name": "Operations"},
        {"department_id": "D2", "department_name": SCRIPT_NAME},
        {"department_id": "D3", "department_name": "Sales"},
    ])  # fmt: skip
    run_models(con, Settings(), "assets/performance/sql/scorecard.sql")
    ensure_schemas(con)
    con.execute(
        "insert into meta.load_manifest (file_sha256, contract, source_path, status, rows_read, rows_staged, "
        "rows_quarantined, loaded_at) values ('abc', 'hris__leave', 'hris/leave.csv', 'loaded', 3, 2, 1, ?)",
        [dt.datetime(2025, 7, 1, 2, 0)],
    )
    # one quarantined leave request dated June 2025 (its first date column, start_date, sets the month)
    con.execute(
        "create table quarantine.hris__leave as select 'abc' as _file_sha256, 'hris/leave.csv' as _source_path, "
        "4::bigint as _line_no, 'allowed_values' as rule, 'leave_type' as column_name, 'not allowed' as reason, "
        "1::bigint as n_violations, "
        """'{"leave_id": "LV9", "start_date": "2025-06-10", "leave_type": "holiday"}' as record"""
    )
    return con


def site_for(con, tmp_path, language="en", now=dt.datetime(2025, 7, 4, 9, 0), currency="IDR"):
    settings = Settings(
        reports_dir=tmp_path / f"{language}-{currency}", language=language, privacy_min_group_size=5, currency=currency
    )
    return load_site(con, settings, page_domains(["hr", "payroll", "it"]), now)


def payload(page) -> dict:
    match = re.search(r'<script type="application/json" id="kinerja-data">(.*?)</script>', page.read_text(), re.S)
    return json.loads(match.group(1))


def test_rupiah_and_rates_are_written_with_the_language_separators():
    assert formatting.kpi_value(18_700_000, "money", "en", "IDR") == "Rp 18,700,000"
    assert formatting.kpi_value(18_700_000, "money", "id", "IDR") == "Rp 18.700.000"
    assert formatting.kpi_value(2.345, "pct", "id") == "2,35%"  # 2 decimals, comma in Indonesian
    assert formatting.kpi_value(61.0, "employees", "en") == "61"  # whole headcounts have no decimals
    assert formatting.kpi_value(61.1667, "employees", "en") == "61.2"
    assert formatting.kpi_change(-1_500_000, "money", "en", currency="IDR") == "-Rp 1,500,000"
    assert formatting.kpi_change(0.3, "pct", "en") == "+0.30 pts"  # a change of a rate is in points


@pytest.mark.parametrize(
    ("currency", "en", "id"),
    [
        ("IDR", "Rp 18,700,000", "Rp 18.700.000"),
        ("USD", "$18,700,000", "$18.700.000"),
        ("GBP", "£18,700,000", "£18.700.000"),
        ("EUR", "€18,700,000", "€18.700.000"),
        ("CHF", "CHF 18,700,000", "CHF 18.700.000"),  # no symbol here: the ISO code
        ("usd", "$18,700,000", "$18.700.000"),
    ],
)
def test_money_is_written_in_the_reporting_currency_in_whole_units(currency, en, id):
    assert formatting.kpi_value(18_700_000.4, "money", "en", currency) == en
    assert formatting.kpi_value(18_700_000.4, "money", "id", currency) == id
    assert formatting.money(18_700_000, "en", currency) == en
    prefix = en.removesuffix("18,700,000")
    assert formatting.kpi_change(-1_500_000, "money", "en", currency=currency) == f"-{prefix}1,500,000"
    assert formatting.kpi_change(250, "money", "en", currency=currency) == f"+{prefix}250"
    assert formatting.kpi_value(12.6, "money", "en", currency) == f"{prefix}13"  # whole units in every currency
    assert formatting.kpi_value(None, "money", "en", currency) == "–"


def test_money_defaults_to_the_settings_currency_and_idr_is_still_money(monkeypatch):
    from pipelines import settings as settings_module

    monkeypatch.setenv("KINERJA_CURRENCY", "GBP")
    settings_module.get_settings.cache_clear()
    try:
        assert formatting.kpi_value(1_234.5, "money", "en") == "£1,234"
        assert formatting.currency_prefix() == "£"
    finally:
        monkeypatch.delenv("KINERJA_CURRENCY")
        settings_module.get_settings.cache_clear()
    # warehouses built before the unit was renamed say idr: still money, in the reporting currency
    assert formatting.kpi_value(18_700_000, "idr", "en", "USD") == "$18,700,000"
    assert formatting.is_money("money") and formatting.is_money("idr") and not formatting.is_money("pct")


def test_pages_write_money_in_the_configured_currency(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path, currency="USD")
    data = payload(render_overview(warehouse, site))
    assert data["format"]["currency"] == "$" and data["format"]["currencyCode"] == "USD"
    assert "money" in data["format"]["money"] and data["format"]["decimals"]["money"] == 0
    june = {p.name: p for p in render_reviews(warehouse, site)}["review-2025-06.html"].read_text()
    assert "$18,900,000" in june and "≤ $19,000,000" in june and "Rp " not in june
    euro = site_for(warehouse, tmp_path, language="id", currency="EUR")
    june = {p.name: p for p in render_reviews(warehouse, euro)}["review-2025-06.html"].read_text()
    assert "€18.900.000" in june and "Rp " not in june
    assert payload(render_domain(warehouse, euro, "payroll"))["format"]["currency"] == "€"
    swiss = payload(render_domain(warehouse, site_for(warehouse, tmp_path, currency="CHF"), "payroll"))
    assert swiss["format"]["currency"] == "CHF " and swiss["format"]["currencyCode"] == "CHF"


def test_free_text_from_the_warehouse_has_long_numbers_masked_and_dates_kept():
    text = "line 3: nik 3174012345678901 invalid on 2025-01-15; npwp 12.345.678.9-012.345"
    assert redact(text) == "line 3: nik ••• invalid on 2025-01-15; npwp •••"


def test_embedded_json_cannot_close_its_script_tag():
    text = embed_json({"name": "</script><script>alert(1)</script><!--"})
    assert "<" not in text and ">" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script><!--"


def test_overview_lists_pinned_then_targeted_kpis_and_leaves_small_groups_out(warehouse, tmp_path):
    page = render_overview(warehouse, site_for(warehouse, tmp_path))
    data = payload(page)
    # pinned in dashboards/overview.yaml (in registry): headcount, turnover, payroll cost; then with a target: tickets
    assert [k["code"] for k in data["kpis"]] == [
        "headcount_period_end", "turnover_rate_monthly_pct", "payroll_cost_per_employee_idr", "tickets_sla_pct",
    ]  # fmt: skip
    # D2 has 3 people (< 5): none of its figures is in the page, not even its headcount (the page shows "< 5");
    # D3, the next-smallest department, is withheld too, or the company minus D1 and D3 would give D2's figures
    for code in ("headcount_period_end", "turnover_rate_monthly_pct", "payroll_cost_per_employee_idr"):
        assert data["values"][code]["D2"] == [None, None] and data["values"][code]["D3"] == [None, None]
        assert data["marks"][code] == {"D2": "11", "D3": "22"}
    assert data["values"]["headcount_period_end"]["D1"] == [10, 10]
    html = page.read_text()
    for leaked in ("33.3333", "47.1234", "21345678", "22456789", "16.6667", "19123456", "19234567"):
        assert leaked not in html
    assert data["withheld"] == {"D2": "11", "D3": "22"}
    # statuses by month: turnover amber then red; tickets green then amber
    assert data["status"]["turnover_rate_monthly_pct"]["ALL"] == "ar"
    assert data["status"]["tickets_sla_pct"]["ALL"] == "ga"
    # no department has a turnover target of its own: the company's applies (a rate), flagged as such
    assert data["scopes"]["turnover_rate_monthly_pct"] == {"D1": "company", "D2": "company", "D3": "company"}


def test_a_department_name_is_escaped_everywhere(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path)
    pages = [render_overview(warehouse, site), render_domain(warehouse, site, "hr"), *render_reviews(warehouse, site)]
    for page in pages:
        html = page.read_text()
        assert "<script>alert(1)" not in html, page.name
    hr = render_domain(warehouse, site, "hr").read_text()
    assert '<option value="D2">&lt;script&gt;alert(1)&lt;/script&gt;</option>' in hr
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in hr  # inside the page's JSON


def test_a_kpi_of_a_new_domain_gets_its_own_page_without_new_code(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path)
    assert site.domains == ["hr", "payroll", "finance", "it"]
    page = render_domain(warehouse, site, "it")
    assert page.name == "it.html"
    assert [k["code"] for k in payload(page)["kpis"]] == ["tickets_sla_pct"]
    assert 'href="it.html"' in render_overview(warehouse, site).read_text()
    # a domain with no KPIs yet says so instead of showing empty cards
    assert "No KPIs of this area are in the warehouse yet" in render_domain(warehouse, site, "finance").read_text()


def test_indonesian_labels_months_names_and_rupiah(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path, language="id")
    overview = render_overview(warehouse, site).read_text()
    assert "Kartu skor perusahaan" in overview and "Juni 2025" in overview and 'lang="id"' in overview
    assert "Biaya penggajian per karyawan" in overview  # the registry's name_id
    pages = {p.name: p for p in render_reviews(warehouse, site)}
    text = pages["review-2025-06.html"].read_text()
    assert "Rp 18.900.000" in text and "Tinjauan kinerja bulanan" in text


def test_freshness_line_stale_warning_and_quality_badge(warehouse, tmp_path):
    # last load 2025-07-01 02:00, page built 2025-07-04 09:00: three days old, stale after two
    html = render_overview(warehouse, site_for(warehouse, tmp_path)).read_text()
    assert "Data as of 1 Jul 2025 02:00 (last successful load) · figures up to June 2025" in html
    assert "The last successful load is 3 days old" in html
    assert 'data-quality-badge="warn"' in html  # one quarantined row, no failed file
    fresh = render_overview(warehouse, site_for(warehouse, tmp_path, now=dt.datetime(2025, 7, 1, 9, 0))).read_text()
    assert 'class="stale"' not in fresh and 'class="stale"' in html


def test_monthly_review_scorecard_what_moved_and_missing_findings(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path)
    pages = {p.name: p for p in render_reviews(warehouse, site)}
    assert sorted(pages) == ["review-2025-05.html", "review-2025-06.html", "review.html"]
    june = pages["review-2025-06.html"].read_text()
    assert "Rp 18,900,000" in june and "≤ Rp 19,000,000" in june
    # turnover went from amber (6.50%) to red (8.00%); tickets from green to amber
    moved = june.split("Status changes since May 2025")[1].split("Largest changes")[0]
    assert "Turnover rate, monthly" in moved and "Tickets within SLA" in moved
    # D1's turnover is 0.00% in June (green against the company's 5.0): no department is off target in June;
    # D2's 47% is a small group's and D3's 16.67% is withheld beside it: neither is shown
    off = june.split("Departments off target")[1].split("</section>")[0]
    assert "Nothing to report." in off
    assert "Not available yet: marts.control_findings" in june
    assert "@media print" in (site.settings.reports_dir / "assets" / "kinerja.css").read_text()
    may_off = pages["review-2025-05.html"].read_text().split("Departments off target")[1].split("</section>")[0]
    assert "Operations: Turnover rate, monthly 10.00%" in may_off  # 10.0 > 5.0 + 2.0


def test_controls_page_counts_findings_without_their_keys(warehouse, tmp_path):
    site = site_for(warehouse, tmp_path)
    empty = render_controls(warehouse, site).read_text()
    assert "Not available yet: marts.control_findings is not in the warehouse" in empty
    warehouse.execute(  # the columns the findings SQL writes (assets/controls/sql/control_findings.sql)
        "create table marts.control_findings as select control_code || ':' || entity_key as finding_id, control_code, "
        "null as control_name, severity, 'employee' as entity, entity_key, period, department_id, amount_at_risk_idr, "
        "entity_key || ' was paid.' as description, '{}' as evidence from (values "
        "('PAY_AFTER_TERM', 'high', date '2025-06-01', 'D1', 'E00042', 5000000.0), "
        "('PAY_AFTER_TERM', 'high', date '2025-06-01', 'D1', 'E00043', 2500000.0), "
        "('SHARED_BANK', 'medium', date '2025-05-01', 'D2', 'E00044', null)) "
        "t(control_code, severity, period, department_id, entity_key, amount_at_risk_idr)"
    )
    page = render_controls(warehouse, site)
    data = payload(page)
    # [source, rule, severity, month index, department, findings, amount]
    # D2 is a small group in May: its finding counts in the company total, under no department ("~")
    assert sorted(data["rows"]) == [[0, "PAY_AFTER_TERM", "high", 1, "D1", 2, 7500000],
                                    [0, "SHARED_BANK", "medium", 0, "~", 1, None]]  # fmt: skip
    assert "E00042" not in page.read_text()  # the open list shows the employee masked
    assert [r[4] for r in data["open"]] == ["E••••042", "E••••043", "E••••044"]
    assert "Not available yet: marts.compliance_findings" in page.read_text()


def test_quality_page_counts_quarantined_rows_in_the_month_of_the_record(warehouse, tmp_path):
    warehouse.execute(  # a domain's data findings (rows that loaded but cannot be trusted), found by name
        "create table marts.finance_data_findings as select * from (values "
        "('ap_invoice_dates', 'ap_invoices', 'INV-1', date '2025-06-01', 330493)) "
        "t(finding_type, entity, key, period, amount_idr)"
    )
    data = payload(render_quality(warehouse, site_for(warehouse, tmp_path)))
    assert data["findingSources"] == ["Finance data"]
    assert data["findings"] == [[0, "ap_invoice_dates", "", 1, "", 1, 330493]]
    # [source, rule, column, month index (June = 1), department, rows]
    assert data["rows"] == [["hris__leave", "allowed_values", "leave_type", 1, "", 1]]
    assert data["sources"][0][:6] == ["hris__leave", 1, 0, 3, 2, 1]
    assert data["checks"] is None  # meta.check_results does not exist yet
