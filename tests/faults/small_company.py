"""A hand-made warehouse of a company with a one-person department, for the disclosure, determinism and
publishing fault tests (``build(con)``), and the helpers to render every page of it.

Fourteen months, May 2024 to June 2025; minimum group size 5. Departments and people:
  D1 "Solo"     1 person (a small group) from May 2024 to February 2025, then 6
  D2 "Finance"  6 people, 4 in August 2024 (then two small groups in the month: D1 and D2)
  D3 "Sales"    9 people
  D4 "Ops"      15 people
The company (ALL) is the sum of the departments for every additive KPI (money totals, headcounts, separations,
FTE), computed from one pay figure per person and month; rates and averages are computed from the totals, and
the annual turnover rate is the sum of the monthly rates of the last twelve months (annualised before that).
Control findings and data findings name D1 in months it is small.
"""

from __future__ import annotations

import datetime as dt
import random

from fixtures.warehouse import create_staging, run_models

from assets.ingest.manifest import ensure_schemas
from dashboards.findings import render_controls
from dashboards.kpi_pages import render_domain, render_overview
from dashboards.quality import render_quality
from dashboards.render import load_site, page_domains
from dashboards.review import render_reviews
from pipelines.settings import Settings

MONTHS = [dt.date(2024 + (4 + k) // 12, (4 + k) % 12 + 1, 1) for k in range(14)]
NAMES = {"D1": "Solo", "D2": "Finance", "D3": "Sales", "D4": "Ops"}
MIN_GROUP = 5
NOW = dt.datetime(2025, 7, 2, 6, 0)
REGISTRY = [  # code, name, domain, unit, direction
    ("headcount_period_end", "Headcount, period end", "hr", "employees", "neutral"),
    ("headcount_avg_daily", "Average headcount", "hr", "employees", "neutral"),
    ("separations", "Separations", "hr", "employees", "lower_is_better"),
    ("fte", "FTE", "hr", "fte", "neutral"),
    ("turnover_rate_monthly_pct", "Turnover rate, monthly", "hr", "pct", "lower_is_better"),
    ("turnover_rate_annual_pct", "Turnover rate, annual", "hr", "pct", "lower_is_better"),
    ("payroll_cost_total_idr", "Total payroll cost", "payroll", "money", "neutral"),
    ("payroll_cost_per_employee_idr", "Payroll cost per employee", "payroll", "money", "neutral"),
    ("gross_pay_avg_idr", "Average gross pay", "payroll", "money", "neutral"),
    ("employer_statutory_cost_idr", "Employer statutory cost", "payroll", "money", "neutral"),
    ("pph21_withheld_idr", "PPh 21 withheld", "payroll", "money", "neutral"),
    ("thr_paid_idr", "THR paid", "payroll", "money", "neutral"),
]


ADDITIVE = ("headcount_period_end", "headcount_avg_daily", "separations", "fte", "payroll_cost_total_idr",
            "employer_statutory_cost_idr", "pph21_withheld_idr", "thr_paid_idr")  # fmt: skip


def size(department: str, i: int) -> int:
    if department == "D1":
        return 1 if i < 10 else 6
    if department == "D2":
        return 4 if MONTHS[i] == dt.date(2024, 8, 1) else 6
    return {"D3": 9, "D4": 15}[department]


def values(seed: int = 13) -> list[tuple]:
    """Rows of marts.kpi_values: (period, department, kpi, value, group size, is small)."""
    rng = random.Random(seed)
    totals: dict[tuple[str, int], dict[str, float]] = {}
    for i, _ in enumerate(MONTHS):
        for department in NAMES:
            n = size(department, i)
            pay = [rng.randrange(8_000_000, 25_000_000) for _ in range(n)]
            gross = sum(pay)
            totals[(department, i)] = {
                "headcount_period_end": n,
                "headcount_avg_daily": round(n - rng.choice([0, 0, 0.25]), 4),
                "separations": rng.choice([0, 0, 0, 1]) if n > 1 else (1 if i == 4 else 0),
                "fte": round(n * rng.choice([1.0, 0.95]), 4),
                "payroll_cost_total_idr": gross + round(gross * 0.1037),
                "gross": gross,
                "paid": n,
                "employer_statutory_cost_idr": round(gross * 0.1037),
                "pph21_withheld_idr": round(gross * rng.choice([0.03, 0.05, 0.07])),
                "thr_paid_idr": gross if MONTHS[i].month == 3 else 0,
            }
    rows = []
    monthly: dict[str, list[float]] = {}
    for i, period in enumerate(MONTHS):
        company = {k: sum(totals[(d, i)][k] for d in NAMES) for k in totals[("D1", i)]}
        for department, t in [*((d, totals[(d, i)]) for d in NAMES), ("ALL", company)]:
            rate = t["separations"] / t["headcount_avg_daily"] * 100
            history = monthly.setdefault(department, [])
            history.append(rate)
            window = history[-12:]
            kpis = {k: t[k] for k in ADDITIVE}
            kpis.update({
                "turnover_rate_monthly_pct": round(rate, 4),
                "turnover_rate_annual_pct": round(sum(window) / len(window) * 12, 4),
                "payroll_cost_per_employee_idr": t["payroll_cost_total_idr"] / t["headcount_avg_daily"],
                "gross_pay_avg_idr": t["gross"] / t["paid"],
            })  # fmt: skip
            group = t["headcount_avg_daily"]
            for code, value in kpis.items():
                rows.append((period, department, code, float(value), group, group < MIN_GROUP))
    return rows


def build(con, order_seed: int | None = None) -> None:
    """The warehouse; ``order_seed`` shuffles the order rows are inserted in (the same content)."""
    con.execute("create schema if not exists marts")
    con.execute(
        "create table marts.kpi_registry (code varchar, name varchar, name_id varchar, domain varchar, unit varchar, "
        "direction varchar, model varchar, definition varchar, formula varchar, source varchar)"
    )
    con.executemany(
        "insert into marts.kpi_registry values ($1, $2, $2, $3, $4, $5, 'm', 'what it is', 'a / b', 'ref')", REGISTRY
    )
    units = {r[0]: r[3] for r in REGISTRY}
    rows = values()
    if order_seed is not None:
        random.Random(order_seed).shuffle(rows)
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    con.executemany(
        "insert into marts.kpi_values values (?, ?, ?, ?, null, null, ?, ?, ?)",
        [(p, d, k, v, units[k], g, s) for p, d, k, v, g, s in rows],
    )
    create_staging(con, "performance__kpi_targets", [
        {"kpi_code": "turnover_rate_monthly_pct", "department_id": "ALL", "period_from": MONTHS[0], "target": 2.0,
         "direction": "lower_is_better", "amber_band": 1.0},
        {"kpi_code": "payroll_cost_per_employee_idr", "department_id": "ALL", "period_from": MONTHS[0],
         "target": 17_000_000, "direction": "lower_is_better", "amber_band": 1_000_000},
    ])  # fmt: skip
    departments = [{"department_id": d, "department_name": n} for d, n in NAMES.items()]
    if order_seed is not None:
        random.Random(order_seed).shuffle(departments)
    create_staging(con, "hris__departments", departments)
    run_models(con, Settings(), "assets/performance/sql/scorecard.sql")
    ensure_schemas(con)
    findings = [
        ("PAY_AFTER_TERM", "high", MONTHS[5], "D1", "E1", 9_100_000.0),
        ("PAY_AFTER_TERM", "high", MONTHS[5], "D4", "E2", 4_000_000.0),
        ("SHARED_BANK", "medium", MONTHS[6], "D1", "E1", None),
        ("SHARED_BANK", "medium", MONTHS[6], "D3", "E3", None),
        ("GHOST", "critical", MONTHS[12], "D1", "E1", 12_000_000.0),
    ]
    if order_seed is not None:
        random.Random(order_seed).shuffle(findings)
    con.execute(
        "create table _findings (control_code varchar, severity varchar, period date, "
        "department_id varchar, entity_key varchar, amount_at_risk_idr double)"
    )
    con.executemany("insert into _findings values (?, ?, ?, ?, ?, ?)", findings)
    con.execute(  # the columns the findings SQL writes (assets/controls/sql/control_findings.sql)
        "create table marts.control_findings as select control_code || ':' || entity_key || ':' || period "
        "as finding_id, control_code, null::varchar as control_name, severity, 'employee' as entity, entity_key, "
        "period, department_id, amount_at_risk_idr, 'A finding.' as description, '{}' as evidence from _findings"
    )
    con.execute("drop table _findings")
    con.execute(
        "create table marts.hr_data_findings as select * from (values "
        "('missing_grade', 'employees', 'E1', date '2024-09-01', 'D1', null::double), "
        "('missing_grade', 'employees', 'E7', date '2024-09-01', 'D4', null::double)) "
        "t(finding_type, entity, key, period, department_id, amount_idr)"
    )
    con.execute(
        "insert into meta.load_manifest (file_sha256, contract, source_path, status, rows_read, rows_staged, "
        "rows_quarantined, loaded_at) values ('abc', 'hris__employees', 'hris/employees.csv', 'loaded', 40, 40, 0, ?)",
        [dt.datetime(2025, 7, 1, 2, 0)],
    )


def site_for(con, out, now=NOW, run_id="", language="en", out_dir=None):
    settings = Settings(reports_dir=out, language=language, privacy_min_group_size=MIN_GROUP, currency="IDR")
    return load_site(con, settings, page_domains(["hr", "payroll"]), now, out_dir=out_dir, run_id=run_id)


def render_all(con, site) -> list:
    """Every page of the site, as the nightly run writes them."""
    pages = [render_overview(con, site), *(render_domain(con, site, d) for d in site.domains)]
    return pages + [render_controls(con, site), render_quality(con, site), *render_reviews(con, site)]
