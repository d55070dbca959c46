"""Orchestrates one generation run: HR → attendance → payroll month by month, then the snapshot files,
KPI targets, finance, the IT service desk, the reviews of a few planted findings and the answer key."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from generator.anomalies import AnomalyPlan
from generator.attendance import Attendance
from generator.config import GeneratorConfig
from generator.context import Context
from generator.data import EMPLOYMENT_TYPES, OVERTIME_EXEMPT_FROM_GRADE, TERMINATION_TYPES
from generator.hr import HR
from generator.org import DEPT_IDS, DEPT_REGION, departments_frame
from generator.paybands import PayBands
from generator.payroll import Payroll, components_frame
from generator.targets import kpi_targets
from generator.training import training_month
from generator.workforce import Workforce
from generator.writers import write_csv, write_parquet, write_xlsx

HRIS, PAYROLL = "hris", "payroll"
STALE_PATTERNS = ("hris/attendance/attendance_*.parquet", "payroll/payslips/payslip_lines_*.csv")


def generate_company(config: GeneratorConfig) -> dict:
    """Generate the demo company into ``config.landing_dir``; return a summary (row counts, anomalies)."""
    ctx = Context(config)
    for pattern in STALE_PATTERNS:
        for path in sorted(config.landing_dir.glob(pattern)):
            path.unlink()
    n_sim = len(ctx.sim_periods)
    wf = Workforce(int(config.employees * (1 + 0.035 * n_sim)) + 64)
    bands = PayBands(ctx.reference, ctx.sim_start.year, ctx.end_date.year)
    hr = HR(ctx, wf, bands)
    hr.initial()
    plan = AnomalyPlan(ctx, wf, hr)
    plan.initial()
    hr.initial_history()
    attendance, payroll = Attendance(ctx, wf), Payroll(ctx, wf)
    leave_parts, training_parts, summaries = [], [], []
    cost, heads = 0, 0
    bar = tqdm(ctx.calendar.months, desc="months", unit="month", disable=not config.show_progress, file=sys.stderr)
    for month in bar:
        bar.set_postfix_str(month.period)
        hr.month_start(month)
        plan.hr_start(month)
        leavers = [hr.contracts(month)]
        hr.hires(month)
        leavers += [hr.terminations(month), plan.hr_after_terminations(month)]
        hr.open_requisitions(month, np.concatenate(leavers))
        att = attendance.month(month, hooks=plan, write=month.in_window)
        pay = payroll.run_month(month, att, hooks=plan)
        leave_parts.append(att.leave)
        if not month.in_window:
            continue
        y, m = month.period.split("-")
        for name, table in (
            (f"{HRIS}/attendance/attendance_{y}_{m}.parquet", att.table),
            (f"{PAYROLL}/payslips/payslip_lines_{y}_{m}.csv", pay.table),
        ):
            writer = write_parquet if name.endswith(".parquet") else write_csv
            ctx.count(name, writer(table, ctx.landing(name)))
        training_parts.append(training_month(ctx, wf, month))
        summaries.append(pay.summary)
        if month.period <= ctx.periods[min(11, len(ctx.periods) - 1)]:
            cost += int(pay.summary["gross_cash_idr"].sum() + pay.summary["employer_contrib_idr"].sum())
            heads += pay.employees
    plan.finalize()
    departments = departments_frame()
    employees = employees_frame(wf)
    payroll_summary = pd.concat(summaries, ignore_index=True)
    files = {
        f"{HRIS}/departments.csv": departments,
        f"{HRIS}/job_history.csv": job_history_frame(wf),
        f"{HRIS}/leave.csv": leave_frame(wf, leave_parts, ctx.start_date),
        f"{HRIS}/training.csv": training_frame(training_parts),
        f"{HRIS}/requisitions.csv": hr.recruiting.frame(wf.employee_ids(), ctx.end_date),
        f"{HRIS}/pay_bands.csv": bands.frame(),
        f"{PAYROLL}/components.csv": components_frame(config.jkk_program),
        "performance/kpi_targets.csv": kpi_targets(ctx, cost / max(heads, 1)),
    }
    for name, frame in files.items():
        ctx.count(name, write_csv(frame, ctx.landing(name)))
    del files, leave_parts, training_parts  # free memory before the finance step
    xlsx = f"{HRIS}/employees.xlsx"
    ctx.count(xlsx, write_xlsx(employees, ctx.landing(xlsx), "employees", ctx.end_date))
    from generator.finance import generate_finance

    finance_counts = generate_finance(ctx, departments, employees, payroll_summary)
    for name, rows in (finance_counts or {}).items():
        ctx.count(name, rows)
    from generator.service_desk import generate_service_desk

    generate_service_desk(ctx, departments)
    from generator.reviews import finding_reviews

    reviews = "controls/finding_reviews.csv"  # reviews of planted findings: every anomaly is in the answer key now
    ctx.count(reviews, write_csv(finding_reviews(ctx), ctx.landing(reviews)))
    ctx.answer_key.write(ctx.answer_key_dir)
    ctx.write_generation_json(
        {"anomalies_requested": {k: v for k, v in config.anomalies.items() if v}, "anomalies_skipped": plan.skipped}
    )
    return {
        "landing_dir": str(config.landing_dir),
        "answer_key_dir": str(config.answer_key_dir),
        "periods": [ctx.periods[0], ctx.periods[-1]],
        "row_counts": dict(sorted(ctx.row_counts.items())),
        "anomalies_planted": ctx.answer_key.counts(),
        "anomalies_skipped": dict(plan.skipped),
        "employees_ever": int(wf.n),
        "active_at_end": int(wf.is_active().sum()),
    }


def _dates(values: np.ndarray) -> list[dt.date | None]:
    """datetime64 → date objects (for the Excel snapshot)."""
    return [None if np.isnat(v) else v.astype(dt.date) for v in values]


def _iso(values: np.ndarray) -> np.ndarray:
    """datetime64 → 'YYYY-MM-DD' strings, NaT → None (fast path for the CSV files)."""
    values = np.asarray(values, dtype="M8[D]")
    out = np.datetime_as_string(values, unit="D").astype(object)
    out[np.isnat(values)] = None
    return out


def employees_frame(wf: Workforce) -> pd.DataFrame:
    n = wf.n
    ids = wf.employee_ids()
    mgr = wf.manager[:n]
    active = np.isnat(wf.term[:n])
    etype = wf.emp_type[:n]
    contract = np.where(etype == 0, np.datetime64("NaT"), wf.contract_end[:n])
    return pd.DataFrame(
        {
            "employee_id": ids,
            "full_name": wf.full_name[:n],
            "gender": wf.gender[:n],
            "birth_date": _dates(wf.birth[:n]),
            "national_id": wf.national_id[:n],
            "tax_id": [t or None for t in wf.tax_id[:n]],
            "hire_date": _dates(wf.hire[:n]),
            "termination_date": _dates(wf.term[:n]),
            "termination_type": [
                None if a else TERMINATION_TYPES[t] for a, t in zip(active, wf.term_type[:n], strict=True)
            ],
            "termination_reason": [None if a else r for a, r in zip(active, wf.term_reason[:n], strict=True)],
            "department_id": DEPT_IDS[wf.dept[:n]],
            "position": wf.position[:n],
            "grade": np.char.add("G", wf.grade[:n].astype(str)),
            "manager_id": [None if m < 0 else ids[m] for m in mgr],
            "employment_type": np.array(EMPLOYMENT_TYPES)[etype],
            "contract_end_date": _dates(contract),
            "work_location": DEPT_REGION[wf.dept[:n]],
            "ptkp_status": wf.ptkp[:n],
            "base_salary_idr": wf.base[:n],
            "fixed_allowance_idr": wf.alw[:n],
            "bank_account": wf.bank_account[:n],
            "email": wf.email[:n],
            "is_overtime_exempt": wf.grade[:n] >= OVERTIME_EXEMPT_FROM_GRADE,
        }
    )


def job_history_frame(wf: Workforce) -> pd.DataFrame:
    ev = {k: np.concatenate([b[k] for b in wf.events]) for k in wf.events[0]}
    order = np.lexsort((ev["idx"], ev["date"]))  # stable: same-day events keep their order
    ev = {k: v[order] for k, v in ev.items()}
    ids = wf.employee_ids()
    etype = ev["emp_type"]
    contract = np.where(etype == 0, np.datetime64("NaT"), ev["contract_end"])
    term = ev["type"] == "termination"
    df = pd.DataFrame(
        {
            "event_id": [f"JH{i + 1:07d}" for i in range(len(order))],
            "employee_id": ids[ev["idx"]],
            "event_date": _iso(ev["date"]),
            "event_type": ev["type"],
            "department_id": DEPT_IDS[ev["dept"]],
            "position": ev["position"],
            "grade": np.char.add("G", ev["grade"].astype(str)),
            "manager_id": [None if m < 0 else ids[m] for m in ev["manager"]],
            "employment_type": np.array(EMPLOYMENT_TYPES)[etype],
            "contract_end_date": _iso(contract),
            "base_salary_idr": ev["base"],
            "fixed_allowance_idr": ev["alw"],
            "termination_type": [
                TERMINATION_TYPES[t] if x else None for x, t in zip(term, ev["term_type"], strict=True)
            ],
            "termination_reason": [r if x else None for x, r in zip(term, ev["term_reason"], strict=True)],
        }
    )
    return df


def leave_frame(wf: Workforce, parts: list[dict[str, np.ndarray]], first_day: dt.date) -> pd.DataFrame:
    ev = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    keep = ev["end"] >= np.datetime64(first_day, "D")
    ev = {k: v[keep] for k, v in ev.items()}
    ids = wf.employee_ids()
    order = np.lexsort((ev["type"].astype(str), ev["emp"], ev["start"]))
    ev = {k: v[order] for k, v in ev.items()}
    return pd.DataFrame(
        {
            "leave_id": [f"LV{i + 1:07d}" for i in range(len(order))],
            "employee_id": ids[ev["emp"]],
            "leave_type": ev["type"],
            "start_date": _iso(ev["start"]),
            "end_date": _iso(ev["end"]),
            "days": ev["days"],
            "status": ev["status"],
            "approved_by": [None if a < 0 else ids[a] for a in ev["approver"]],
        }
    )


def training_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    df = pd.concat([p for p in parts if len(p)], ignore_index=True)
    df = df.sort_values(["start_date", "employee_id", "course_name"], kind="stable").reset_index(drop=True)
    df.insert(0, "training_id", [f"TR{i + 1:07d}" for i in range(len(df))])
    df["start_date"] = _iso(df["start_date"].to_numpy().astype("M8[D]"))
    return df


__all__ = ["generate_company", "Path"]
