"""Dashboard pages on warehouses that hold only part of the data: every page still publishes, and a KPI or control
rule that the data cannot compute says which columns it needs instead of showing a value.

Warehouses:
  empty        nothing at all (no schema, no table)
  empty marts  every table the pages read exists, with zero rows (the real KPI and control registries)
  HR only      a company that exports only its HR master: headcount computes (May and June 2025, D1 and D2);
               average tenure needs a hire date; every payroll and finance KPI needs data not loaded;
               marts.kpi_computability and marts.rule_computability say so, with reasons that carry markup
"""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import pytest
from fixtures.warehouse import create_staging, run_models

from assets.ingest.manifest import ensure_schemas
from dashboards.findings import render_controls
from dashboards.kpi_pages import render_domain, render_overview
from dashboards.quality import render_quality
from dashboards.render import load_site, page_domains
from dashboards.review import render_reviews
from dashboards.warehouse import kpi_computability, rule_computability
from pipelines.settings import Settings

D = dt.date.fromisoformat
MAY, JUNE = D("2025-05-01"), D("2025-06-01")
PAGES = ("overview.html", "hr.html", "payroll.html", "finance.html", "controls.html", "quality.html", "review.html")
MARKUP = "<img src=x onerror=alert(1)>"
REGISTRY = [  # code, name, name_id, domain, unit, direction, model
    ("headcount_period_end", "Headcount, period end", "Jumlah karyawan akhir periode", "hr", "employees", "neutral",
     "kpi_hr__workforce"),
    ("avg_tenure_years", "Average tenure", "Rata-rata masa kerja", "hr", "years", "higher_is_better",
     "kpi_hr__workforce"),
    ("payroll_cost_total_idr", "Payroll cost, total", "Total biaya penggajian", "payroll", "money",
     "lower_is_better", "kpi_payroll__costs"),
    ("payroll_cost_per_employee_idr", "Payroll cost per employee", "Biaya penggajian per karyawan", "payroll",
     "money", "lower_is_better", "kpi_payroll__costs"),
    ("opex_total_idr", "Operating expense, total", "Total biaya operasional", "finance", "money", "lower_is_better",
     "kpi_finance__opex"),
]  # fmt: skip
COMPUTABILITY = [  # kpi_code, is_computable, missing_columns, reason
    ("headcount_period_end", True, [], "All columns it needs are filled."),
    ("avg_tenure_years", False, ["employees.hire_date|job_history.event_date"], "No hire date in the HR export."),
    ("payroll_cost_total_idr", False, ["payslip_lines.amount", "payslip_lines.period"], "No payroll export."),
    ("payroll_cost_per_employee_idr", False, ["payslip_lines.amount"], "No payroll export."),
    ("opex_total_idr", False, ["gl_entries.debit_amount", MARKUP], "No <b>ledger</b> export."),
]
HEADCOUNT = {("ALL", MAY): 13, ("ALL", JUNE): 12, ("D1", MAY): 7, ("D1", JUNE): 6, ("D2", MAY): 6, ("D2", JUNE): 6}


def site_for(con, tmp_path, language="en", currency="IDR"):
    settings = Settings(reports_dir=tmp_path / language, language=language, privacy_min_group_size=5, currency=currency)
    return load_site(con, settings, page_domains(["hr", "payroll", "finance"]), dt.datetime(2025, 7, 2, 9, 0))


def render_all(con, site) -> dict[str, str]:
    """Every page of the site, as the nightly run writes them: file name -> HTML."""
    pages = [render_overview(con, site), *(render_domain(con, site, d) for d in site.domains)]
    pages += [render_controls(con, site), render_quality(con, site), *render_reviews(con, site)]
    return {p.name: p.read_text(encoding="utf-8") for p in pages}


def payload(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="kinerja-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def not_computable_section(html: str) -> str:
    match = re.search(r'<section class="not-computable".*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def hr_only(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.kpi_registry (code varchar, name varchar, name_id varchar, domain varchar, unit varchar, "
        "direction varchar, model varchar, definition varchar, formula varchar, source varchar)"
    )
    con.executemany(
        "insert into marts.kpi_registry values (?, ?, ?, ?, ?, ?, ?, 'what it is', 'a / b', 'ref')", REGISTRY
    )
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    con.executemany(
        "insert into marts.kpi_values values (?, ?, 'headcount_period_end', ?, null, null, 'employees', ?, false)",
        [(period, dept, n, n) for (dept, period), n in HEADCOUNT.items()],
    )
    con.execute(
        "create table marts.kpi_computability (kpi_code varchar, is_computable boolean, missing_columns varchar[], "
        "reason varchar)"
    )
    con.executemany("insert into marts.kpi_computability values (?, ?, ?, ?)", COMPUTABILITY)
    con.execute(
        "create table marts.rule_computability (rule_code varchar, is_computable boolean, missing_columns varchar[], "
        "reason varchar)"
    )
    con.executemany(
        "insert into marts.rule_computability values (?, ?, ?, ?)",
        [
            ("paid_after_termination", False, ["payslip_lines.amount"], "No payroll export."),
            ("duplicate_invoice", False, ["ap_invoices.invoice_number|ap_invoices.amount"], "No AP export."),
            ("ghost_employee", True, [], "All columns it needs are filled."),
        ],
    )
    con.execute("create table marts.control_registry (code varchar, name varchar)")
    con.execute("insert into marts.control_registry values ('paid_after_termination', 'Paid after termination')")
    create_staging(con, "performance__kpi_targets", [  # opex is not pinned: its target puts it on the overview
        {"kpi_code": "opex_total_idr", "department_id": "ALL", "period_from": MAY, "target": 1_000_000_000,
         "direction": "lower_is_better", "amber_band": 0},
    ])  # fmt: skip
    create_staging(con, "hris__departments", [
        {"department_id": "D1", "department_name": "Operations"},
        {"department_id": "D2", "department_name": "Sales"},
    ])  # fmt: skip
    run_models(con, Settings(), "assets/performance/sql/scorecard.sql")
    ensure_schemas(con)
    return con


def test_an_empty_warehouse_still_publishes_every_page(tmp_path):
    con = duckdb.connect()  # not a single schema
    try:
        pages = render_all(con, site_for(con, tmp_path))
    finally:
        con.close()
    assert set(PAGES) <= set(pages)
    assert "No KPIs of this area are in the warehouse yet" in pages["hr.html"]
    assert "Not available yet: marts.control_findings" in pages["controls.html"]
    assert "No data loaded yet" in pages["quality.html"]
    assert payload(pages["overview.html"])["kpis"] == [] and payload(pages["overview.html"])["periods"] == []


def test_empty_marts_publish_every_page_with_no_value_and_no_failure(con, tmp_path):
    from assets.controls.registry import load_registry as control_rules
    from assets.controls.registry import write_registry as write_control_registry
    from assets.controls.runner import FINDINGS_COLUMNS
    from assets.kpi.assets import write_registry
    from assets.quality.history import ensure_check_results

    ensure_schemas(con)
    write_registry(con)  # the real registry, every domain
    write_control_registry(con, control_rules())
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    create_staging(con, "performance__kpi_targets", [])
    create_staging(con, "hris__departments", [])
    run_models(con, Settings(), "assets/performance/sql/scorecard.sql")
    con.execute(
        "create table core.dim_period as select * from (values (date '2025-05-01'), (date '2025-06-01')) t(period)"
    )
    columns = ", ".join(f"{name} {kind}" for name, kind in FINDINGS_COLUMNS)
    for table in ("marts.control_findings", "marts.compliance_findings"):
        con.execute(f"create table {table} ({columns})")
    con.execute("create table marts.hr_data_findings (finding_type varchar, period date, department_id varchar)")
    for table in ("marts.kpi_computability", "marts.rule_computability"):  # present, and empty: all computable
        key = "kpi_code" if "kpi" in table else "rule_code"
        con.execute(
            f"create table {table} ({key} varchar, is_computable boolean, missing_columns varchar[], reason varchar)"
        )
    ensure_check_results(con)
    con.execute(
        "create table quarantine.hris__leave (_file_sha256 varchar, _source_path varchar, _line_no bigint, "
        "rule varchar, column_name varchar, reason varchar, n_violations bigint, record varchar)"
    )
    con.execute("create table quarantine.odd_export (line varchar)")  # a quarantine table of another shape

    site = site_for(con, tmp_path)
    assert site.periods == [MAY, JUNE]  # the reporting window, though no KPI has a value
    pages = render_all(con, site)
    assert set(PAGES) | {"review-2025-05.html", "review-2025-06.html"} <= set(pages)
    hr = payload(pages["hr.html"])
    assert hr["kpis"] and all(not any(v) for v in hr["values"].values())  # cards, all "no data"
    assert not_computable_section(pages["hr.html"]) == ""
    assert payload(pages["controls.html"])["rows"] == []
    assert payload(pages["quality.html"])["rows"] == []
    assert "Nothing to report." in pages["review-2025-06.html"]


def test_computability_is_read_from_the_marts_and_absent_tables_mean_computable(hr_only):
    missing = kpi_computability(hr_only)
    assert sorted(missing) == ["avg_tenure_years", "opex_total_idr", "payroll_cost_per_employee_idr",
                               "payroll_cost_total_idr"]  # fmt: skip
    assert missing["avg_tenure_years"].missing == ("employees.hire_date|job_history.event_date",)
    assert missing["avg_tenure_years"].reason == "No hire date in the HR export."
    assert sorted(rule_computability(hr_only)) == ["duplicate_invoice", "paid_after_termination"]
    older = duckdb.connect()  # a warehouse built before the computability marts
    try:
        assert kpi_computability(older) == {} and rule_computability(older) == {}
    finally:
        older.close()


def test_a_kpi_that_cannot_be_computed_says_what_it_needs_instead_of_a_card(hr_only, tmp_path):
    pages = render_all(hr_only, site_for(hr_only, tmp_path))
    hr = pages["hr.html"]
    data = payload(hr)
    assert [k["code"] for k in data["kpis"]] == ["headcount_period_end"]  # a card only for what computes
    assert data["notComputable"] == 1
    assert data["values"]["headcount_period_end"]["ALL"] == [13, 12]
    section = not_computable_section(hr)
    assert "KPIs not computable on this data" in section
    assert "<strong>Average tenure</strong>: <span class=\"needs\">not computable: needs employees.hire_date or " \
           "job_history.event_date</span>" in section  # fmt: skip
    assert "No hire date in the HR export." in section
    assert "Headcount" not in section


def test_a_domain_with_no_computable_kpi_publishes_and_says_which_data_it_needs(hr_only, tmp_path):
    pages = render_all(hr_only, site_for(hr_only, tmp_path))
    payroll = pages["payroll.html"]
    assert payload(payroll)["kpis"] == []
    assert "None of the 2 KPIs of this area can be computed from the data loaded." in payroll
    assert "Load exports with these columns to compute them: payslip_lines.amount, payslip_lines.period." in payroll
    section = not_computable_section(payroll)
    assert "Payroll cost, total</strong>: <span class=\"needs\">not computable: needs payslip_lines.amount, " \
           "payslip_lines.period</span>" in section  # fmt: skip
    assert "Payroll cost per employee" in section
    finance = pages["finance.html"]
    assert "The KPI of this area cannot be computed from the data loaded." in finance
    assert "Load exports with these columns to compute them: gl_entries.debit_amount, &lt;img" in finance


def test_the_overview_and_review_list_pinned_and_targeted_kpis_that_cannot_be_computed(hr_only, tmp_path):
    pages = render_all(hr_only, site_for(hr_only, tmp_path))
    overview = pages["overview.html"]
    assert [k["code"] for k in payload(overview)["kpis"]] == ["headcount_period_end"]
    section = not_computable_section(overview)
    for name in ("Payroll cost, total", "Payroll cost per employee", "Operating expense, total"):
        assert name in section  # pinned (payroll) or with a target (opex)
    assert "Average tenure" not in section  # neither pinned nor targeted
    june = pages["review-2025-06.html"]
    assert "Headcount, period end" in june
    assert 'Payroll cost, total</td>\n          <td colspan="6">not computable: needs payslip_lines.amount' in june


def test_rules_that_cannot_be_computed_are_listed_on_the_controls_page(hr_only, tmp_path):
    html = render_all(hr_only, site_for(hr_only, tmp_path))["controls.html"]
    section = not_computable_section(html)
    assert "Rules not computable on this data" in section
    assert "<strong>Paid after termination</strong>: <span class=\"needs\">not computable: needs " \
           "payslip_lines.amount</span>" in section  # fmt: skip
    # no name in marts.control_registry: the code; a choice of columns reads "a or b"
    assert "<strong>duplicate_invoice</strong>" in section
    assert "ap_invoices.invoice_number or ap_invoices.amount" in section
    assert "ghost_employee" not in section


def test_not_computable_text_is_indonesian_and_escaped(hr_only, tmp_path):
    pages = render_all(hr_only, site_for(hr_only, tmp_path, language="id"))
    assert "tidak dapat dihitung: perlu employees.hire_date atau job_history.event_date" in pages["hr.html"]
    assert "KPI yang tidak dapat dihitung dari data ini" in pages["hr.html"]
    assert "Aturan yang tidak dapat dihitung dari data ini" in pages["controls.html"]
    assert "Tidak satu pun dari 2 KPI bidang ini dapat dihitung" in pages["payroll.html"]
    english = render_all(hr_only, site_for(hr_only, tmp_path))
    for name, html in [*pages.items(), *english.items()]:
        assert MARKUP not in html and "<b>ledger" not in html, name
    finance = not_computable_section(english["finance.html"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in finance and "&lt;b&gt;ledger&lt;/b&gt;" in finance


def test_a_choice_among_several_requirements_is_bracketed(hr_only, tmp_path):
    site = site_for(hr_only, tmp_path)
    assert site.columns_text(("a.x|b.y",)) == "a.x or b.y"
    assert site.columns_text(("a.x|b.y", "c.z")) == "(a.x or b.y), c.z"
    from dashboards.warehouse import NotComputable

    assert site.needs(NotComputable("k", (), "why")) == "not computable on this data"
