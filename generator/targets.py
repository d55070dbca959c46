"""KPI targets (performance/kpi_targets.csv) for the company (``ALL``) and a few departments.

One target changes in the middle of the history (a new row with a later ``period_from``) so effective
dating is exercised downstream.
"""

from __future__ import annotations

import pandas as pd

from generator.context import Context

HIGHER, LOWER = "higher_is_better", "lower_is_better"
# Who answers for a target and why it is set where it is (kpi_code, department) -> (owner, comment); the other
# targets carry neither, as many real target sheets do.
ACCOUNTABLE = {
    ("absenteeism_rate_pct", "ALL"): ("HR Director", "Company policy: unplanned absence at most 3% of working days"),
    ("turnover_rate_monthly_pct", "ALL"): ("HR Director", "Retention plan agreed with the board"),
    ("payroll_cost_budget_variance_pct", "ALL"): ("Finance Controller", "Personnel cost within the approved budget"),
    ("opex_budget_variance_pct", "ALL"): ("Finance Controller", ""),
    ("support_sla_resolution_pct", "ALL"): ("IT Service Manager", "Service level agreed with the business units"),
    ("overtime_hours_per_employee", "D09"): ("Operations Manager", "Peak season staffing plan"),
}


def kpi_targets(ctx: Context, payroll_cost_per_employee: float) -> pd.DataFrame:
    first = ctx.periods[0]
    middle = ctx.periods[len(ctx.periods) // 2]
    before_middle = ctx.periods[len(ctx.periods) // 2 - 1] if len(ctx.periods) > 1 else None
    n = ctx.config.employees
    cost = round(payroll_cost_per_employee * 1.03, -5)
    rows: list[tuple[str, str, str, str | None, float, str, float]] = [
        ("headcount_period_end", "ALL", first, None, n, HIGHER, max(1, round(n * 0.05))),
        ("absenteeism_rate_pct", "ALL", first, None, 3.0, LOWER, 0.5),
        ("overtime_hours_per_employee", "ALL", first, None, 6, LOWER, 2),
        ("payroll_cost_per_employee_idr", "ALL", first, None, cost, LOWER, round(cost * 0.05, -4)),
        ("training_hours_per_employee", "ALL", first, None, 1.0, HIGHER, 0.3),
        ("time_to_fill_days", "ALL", first, None, 45, LOWER, 10),
        ("opex_budget_variance_pct", "ALL", first, None, 0, LOWER, 5),
        ("payroll_cost_budget_variance_pct", "ALL", first, None, 0, LOWER, 1),
        ("ap_on_time_payment_rate_pct", "ALL", first, None, 95, HIGHER, 5),
        ("bank_match_rate_count_pct", "ALL", first, None, 100, HIGHER, 2),
        ("ap_cycle_received_to_approved_days", "ALL", first, None, 10, LOWER, 3),
        ("absenteeism_rate_pct", "D07", first, None, 3.5, LOWER, 0.5),
        ("overtime_hours_per_employee", "D09", first, None, 12, LOWER, 3),
        ("turnover_rate_monthly_pct", "D09", first, None, 2.5, LOWER, 0.5),
        ("time_to_fill_days", "D02", first, None, 40, LOWER, 10),
        ("ap_cycle_received_to_approved_days", "D03", first, None, 8, LOWER, 2),
        ("support_sla_resolution_pct", "ALL", first, None, 90, HIGHER, 5),
        ("support_mttr_hours", "ALL", first, None, 16, LOWER, 4),
    ]
    if before_middle is not None:  # the company tightens its turnover target mid-history
        rows += [
            ("turnover_rate_monthly_pct", "ALL", first, before_middle, 2.0, LOWER, 0.5),
            ("turnover_rate_monthly_pct", "ALL", middle, None, 1.8, LOWER, 0.5),
            ("overtime_hours_per_employee", "D07", first, before_middle, 10, LOWER, 3),
            ("overtime_hours_per_employee", "D07", middle, None, 8, LOWER, 3),
        ]
    else:
        rows += [
            ("turnover_rate_monthly_pct", "ALL", first, None, 2.0, LOWER, 0.5),
            ("overtime_hours_per_employee", "D07", first, None, 10, LOWER, 3),
        ]
    df = pd.DataFrame(
        rows, columns=["kpi_code", "department_id", "period_from", "period_to", "target", "direction", "amber_band"]
    )
    notes = [ACCOUNTABLE.get((k, d), ("", "")) for k, d in zip(df["kpi_code"], df["department_id"], strict=True)]
    df["owner"] = [owner for owner, _ in notes]
    df["comment"] = [comment for _, comment in notes]
    for col in ("target", "amber_band"):
        df[col] = [_num(v) for v in df[col]]
    return df.sort_values(["kpi_code", "department_id", "period_from"], kind="stable").reset_index(drop=True)


def _num(value: float) -> str:
    """Whole numbers without a decimal point, others as written."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
