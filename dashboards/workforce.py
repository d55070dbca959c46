"""The workforce page: period-end and average headcount and monthly turnover, company and by department."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dashboards.plotlyjs import PLOTLY_JS, publish_plotlyjs
from pipelines.settings import Settings

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
)
SUPPRESSED = "n<{min}"


def idr(value: float | None, decimals: int = 0) -> str:
    """Thousands separators, as managers read rupiah and headcounts."""
    return "–" if value is None else f"{value:,.{decimals}f}"


def _series(con: duckdb.DuckDBPyConnection, kpi: str, department: str = "ALL") -> tuple[list, list]:
    rows = con.execute(
        "select period, value from marts.kpi_values where kpi_code = ? and department_id = ? order by period",
        [kpi, department],
    ).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def _line(x: list, y: list, title: str, y_title: str) -> str:
    figure = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers"))
    figure.update_layout(title=title, height=320, margin=dict(l=40, r=20, t=50, b=40), yaxis_title=y_title)
    return figure.to_html(include_plotlyjs=False, full_html=False, config={"displaylogo": False})


def render_workforce(con: duckdb.DuckDBPyConnection, settings: Settings, freshness: str) -> Path:
    reports = settings.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    publish_plotlyjs(reports)
    latest = con.execute("select max(period) from marts.kpi_values").fetchall()[0][0]
    values = {
        (r[0], r[1]): (r[2], r[3])
        for r in con.execute(
            "select department_id, kpi_code, value, is_small_group from marts.kpi_values where period = ?",
            [latest],
        ).fetchall()
    }
    previous = con.execute(
        "select kpi_code, value from marts.kpi_values where department_id = 'ALL' and period = ?",
        [(latest - dt.timedelta(days=1)).replace(day=1) if latest else None],
    ).fetchall()
    prev = dict(previous)

    def card(code: str, label: str, decimals: int, suffix: str = "") -> dict:
        value = values.get(("ALL", code), (None, False))[0]
        change = None if value is None or prev.get(code) is None else value - prev[code]
        sub = f"{latest:%B %Y}" + (
            "" if change is None else f" · {change:+,.{decimals}f}{suffix} vs previous month"
        )
        return {"code": code, "label": label, "value": idr(value, decimals) + suffix, "sub": sub}

    cards = [
        card("headcount_period_end", "Headcount, end of month", 0),
        card("headcount_avg_daily", "Average daily headcount", 1),
        card("separations", "Separations", 0),
        card("turnover_rate_monthly_pct", "Turnover, monthly", 2, "%"),
    ]
    charts = [
        _line(*_series(con, "headcount_period_end"), "Headcount at month end", "employees"),
        _line(*_series(con, "turnover_rate_monthly_pct"), "Monthly turnover", "% of average headcount"),
    ]
    departments = con.execute(
        """
        select distinct k.department_id, coalesce(d.department_name, k.department_id)
        from marts.kpi_values k left join staging.stg_hris__departments d using (department_id)
        where k.department_id <> 'ALL' order by 2
        """
    ).fetchall()
    minimum = settings.privacy_min_group_size
    rows = []
    for department_id, name in departments:
        hc, small = values.get((department_id, "headcount_period_end"), (None, False))
        avg, _ = values.get((department_id, "headcount_avg_daily"), (None, False))
        turnover, _ = values.get((department_id, "turnover_rate_monthly_pct"), (None, False))
        rate = SUPPRESSED.format(min=minimum) if small else idr(turnover, 2) + "%"
        rows.append([name, idr(hc), idr(avg, 1), rate])
    html = TEMPLATES.get_template("page.html").render(
        lang=settings.language,
        title="Workforce",
        company=settings.company_name,
        freshness=freshness,
        plotly_js=PLOTLY_JS,
        cards=cards,
        charts=charts,
        table_header=["Department", "Headcount, end of month", "Average daily headcount", "Turnover"],
        table_rows=rows,
        note=f"{latest:%B %Y}. Rates of groups under {minimum} people are not shown.",
    )
    target = reports / "workforce.html"
    target.write_text(html, encoding="utf-8")
    return target
