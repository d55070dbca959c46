"""The core KPIs computed with pandas straight from the landing files, as an analyst without a warehouse
would: the comparison point for the benchmark, and an independent check of the SQL (same conventions:
termination_date is the last day employed; transfers are not separations; daily-average headcount)."""

from pathlib import Path

import pandas as pd

KEYS = ["period", "department_id", "kpi_code"]


def employment_versions(landing: Path) -> pd.DataFrame:
    """One row per employee per stretch of days in one department, with the spell's termination date."""
    events = pd.read_csv(landing / "hris" / "job_history.csv", dtype=str, parse_dates=["event_date"])
    events["is_termination"] = events["event_type"] == "termination"
    events = events.sort_values(["employee_id", "event_date", "is_termination", "event_id"], kind="stable")
    events["spell_no"] = events["event_type"].isin(["hire", "rehire"]).groupby(events["employee_id"]).cumsum()
    events = events[events["spell_no"] > 0].copy()
    events["valid_from"] = events["event_date"] + pd.to_timedelta(events["is_termination"].astype(int), unit="D")
    events["valid_to"] = events.groupby("employee_id")["valid_from"].shift(-1) - pd.Timedelta(days=1)
    events["valid_to"] = events["valid_to"].fillna(pd.Timestamp("2262-01-01"))
    ends = (
        events[events["is_termination"]]
        .groupby(["employee_id", "spell_no"])["event_date"].max().rename("termination_date").reset_index()
    )  # fmt: skip
    versions = events[~events["is_termination"] & (events["valid_to"] >= events["valid_from"])]
    return versions.merge(ends, on=["employee_id", "spell_no"], how="left")


def workforce_kpis(versions: pd.DataFrame, periods: pd.DatetimeIndex) -> pd.DataFrame:
    rows = []
    departments = sorted(versions["department_id"].dropna().unique())
    for start in periods:
        end = start + pd.offsets.MonthEnd(0)
        days = end.day
        overlap = (versions["valid_to"].clip(upper=end) - versions["valid_from"].clip(lower=start)).dt.days + 1
        employee_days = overlap.clip(lower=0).groupby(versions["department_id"]).sum()
        at_end = (
            (versions["valid_from"] <= end) & (versions["valid_to"] >= end)
            & (versions["termination_date"].isna() | (versions["termination_date"] > end))
        )  # fmt: skip
        period_end = at_end.groupby(versions["department_id"]).sum()
        leaving = (
            versions["termination_date"].between(start, end)
            & (versions["termination_date"] >= versions["valid_from"])
            & (versions["termination_date"] <= versions["valid_to"])
        )
        separations = leaving.groupby(versions["department_id"]).sum()
        frame = pd.DataFrame({"n_days": employee_days, "n_end": period_end, "n_sep": separations})
        frame = frame.reindex(departments).fillna(0)
        frame.loc["ALL"] = frame.sum()
        for department, r in frame.iterrows():
            average = r["n_days"] / days
            rows += [
                (start, department, "headcount_period_end", float(r["n_end"])),
                (start, department, "headcount_avg_daily", average),
                (start, department, "separations", float(r["n_sep"])),
                (start, department, "turnover_rate_monthly_pct", r["n_sep"] / average * 100 if average else None),
            ]
    return pd.DataFrame(rows, columns=[*KEYS, "value"])


def reporting_periods(landing: Path, months: int) -> pd.DatetimeIndex:
    last = max(
        pd.read_parquet(path, columns=["attendance_date"])["attendance_date"].max()
        for path in (landing / "hris" / "attendance").glob("*.parquet")
    )
    end = pd.Timestamp(last).to_period("M").to_timestamp()
    return pd.date_range(end=end, periods=months, freq="MS")


def compute_kpis(landing: Path, months: int = 36) -> pd.DataFrame:
    periods = reporting_periods(landing, months)
    return workforce_kpis(employment_versions(landing), periods).sort_values(KEYS, ignore_index=True)
