"""Headcount and turnover on a five-person company, worked out by hand.

January 2025 has 31 days, February 28. Departments D1 and D2.
  E1  D1, hired 2024-06-01, stays.
  E2  D1, hired 2024-06-01, leaves mid-month: last day employed 2025-01-15 (voluntary).
  E3  D1, hired mid-month 2025-01-20.
  E4  D2, hired 2024-01-01, leaves at month end: last day employed 2025-01-31 (involuntary).
  E5  D2, hired 2024-01-01, transferred to D1 on 2025-02-10 (a transfer is not a separation).
"""

from __future__ import annotations

import pytest
from fixtures.warehouse import (
    D1_JANUARY_EVENTS,
    HR_CORE,
    create_five_person_company,
    job_event,
    load_reference,
    run_models,
)

from assets.kpi.assets import build_kpi_values
from pipelines.settings import Settings

EVENTS = [
    *D1_JANUARY_EVENTS,
    job_event("5", "E4", "2024-01-01", "hire", "D2"),
    job_event("6", "E4", "2025-01-31", "termination", "D2", "involuntary"),
    job_event("7", "E5", "2024-01-01", "hire", "D2"),
    job_event("8", "E5", "2025-02-10", "transfer", "D1"),
]


@pytest.fixture
def kpis(con):
    settings = Settings(reporting_months=2, privacy_min_group_size=2)
    load_reference(con)
    create_five_person_company(con, EVENTS)
    run_models(con, settings, *HR_CORE, "assets/kpi/sql/kpi_hr__workforce.sql")
    build_kpi_values(con, settings, models=["kpi_hr__workforce"])
    rows = con.execute("select period, department_id, kpi_code, value, is_small_group from marts.kpi_values").fetchall()
    return {(p.isoformat()[:7], d, k): (v, small) for p, d, k, v, small in rows}


def value(kpis, period, department, code):
    return kpis[(period, department, code)][0]


def test_period_end_headcount_excludes_leavers_including_the_month_end_leaver(kpis):
    # Jan 31: D1 has E1 and E3 (E2 left on the 15th); D2 has E5 only (E4's last day was the 31st).
    assert value(kpis, "2025-01", "D1", "headcount_period_end") == 2
    assert value(kpis, "2025-01", "D2", "headcount_period_end") == 1
    assert value(kpis, "2025-01", "ALL", "headcount_period_end") == 3
    # Feb 28: E5 moved to D1 on the 10th.
    assert value(kpis, "2025-02", "D1", "headcount_period_end") == 3
    assert value(kpis, "2025-02", "D2", "headcount_period_end") == 0


def test_average_daily_headcount_counts_partial_months_by_day(kpis):
    # D1 January: E1 31 days + E2 15 days (1-15) + E3 12 days (20-31) = 58 employee-days / 31
    assert value(kpis, "2025-01", "D1", "headcount_avg_daily") == pytest.approx(58 / 31)
    # D2 January: E4 31 + E5 31 = 62 / 31 = 2
    assert value(kpis, "2025-01", "D2", "headcount_avg_daily") == pytest.approx(2.0)
    assert value(kpis, "2025-01", "ALL", "headcount_avg_daily") == pytest.approx(120 / 31)
    # February: D1 = E1 28 + E3 28 + E5 19 (10-28) = 75 / 28; D2 = E5 9 (1-9) / 28
    assert value(kpis, "2025-02", "D1", "headcount_avg_daily") == pytest.approx(75 / 28)
    assert value(kpis, "2025-02", "D2", "headcount_avg_daily") == pytest.approx(9 / 28)
    assert value(kpis, "2025-02", "ALL", "headcount_avg_daily") == pytest.approx(84 / 28)


def test_separations_and_monthly_turnover(kpis):
    assert value(kpis, "2025-01", "D1", "separations") == 1  # E2
    assert value(kpis, "2025-01", "D2", "separations") == 1  # E4, month-end leaver
    assert value(kpis, "2025-02", "D1", "separations") == 0  # E5's transfer is not a separation
    assert value(kpis, "2025-01", "D1", "turnover_rate_monthly_pct") == pytest.approx(1 / (58 / 31) * 100)  # 53.45%
    assert value(kpis, "2025-01", "D2", "turnover_rate_monthly_pct") == pytest.approx(1 / 2 * 100)  # 50%
    assert value(kpis, "2025-01", "ALL", "turnover_rate_monthly_pct") == pytest.approx(2 / (120 / 31) * 100)  # 51.67%
    assert value(kpis, "2025-02", "ALL", "turnover_rate_monthly_pct") == 0


def test_groups_below_the_minimum_size_are_flagged(kpis):
    # minimum group size 2: D2 in February averages 9/28 of a person
    assert kpis[("2025-02", "D2", "turnover_rate_monthly_pct")][1] is True
    assert kpis[("2025-01", "D2", "turnover_rate_monthly_pct")][1] is False
