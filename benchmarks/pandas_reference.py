"""The core KPIs computed with pandas straight from the landing files, as an analyst without a warehouse
would: the comparison point for the benchmark, and an independent check of the SQL (same conventions:
termination_date is the last day employed; job events after a termination with no rehire in between employ no one;
transfers are not separations; daily-average headcount; a day counts in the department the employee was in that
day; a payslip in the department on the pay date).

KPIs: headcount_period_end, headcount_avg_daily, separations, turnover_rate_monthly_pct (workforce),
absenteeism_rate_pct (attendance on the holiday calendar) and payroll_cost_total_idr (payslip lines), by
department and month and for the company (ALL). Monthly files are read one at a time, as an analyst would.
"""

from pathlib import Path

import pandas as pd

from pipelines.settings import get_settings

REFERENCE = Path(__file__).resolve().parents[1] / "assets" / "reference" / "data"
UNPLANNED = {"sick", "permit", "unpaid_absence"}
PLANNED = {"annual_leave", "other_leave", "collective_leave"}

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
    # the first termination of a spell ends it: what follows it before a rehire is not employment
    spell = events.groupby(["employee_id", "spell_no"])["is_termination"]
    after_termination = (spell.cumsum() - events["is_termination"]) > 0
    ends = (
        events[events["is_termination"]]
        .groupby(["employee_id", "spell_no"])["event_date"]
        .min()
        .rename("termination_date")
        .reset_index()
    )
    versions = events[~events["is_termination"] & ~after_termination & (events["valid_to"] >= events["valid_from"])]
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
            (versions["valid_from"] <= end)
            & (versions["valid_to"] >= end)
            & (versions["termination_date"].isna() | (versions["termination_date"] > end))
        )
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


def monthly_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.parquet"), *folder.glob("*.csv")])


def read_monthly(path: Path, columns: list[str]) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=columns)
    return pd.read_csv(path, usecols=columns, dtype={"employee_id": str})


def public_holidays(country: str) -> set[pd.Timestamp]:
    holidays = pd.read_csv(REFERENCE / "holidays.csv", parse_dates=["holiday_date"])
    holidays = holidays[(holidays["country"] == country) & (holidays["kind"] == "public_holiday")]
    return set(holidays["holiday_date"])


def department_on(frame: pd.DataFrame, date_column: str, versions: pd.DataFrame) -> pd.Series:
    """The department of the employee version covering each row's date (NaN: not employed that day)."""
    left = frame[["employee_id", date_column]].reset_index()
    left[date_column] = left[date_column].astype("datetime64[us]")
    left = left.sort_values(date_column, kind="stable")
    right = versions[["employee_id", "valid_from", "valid_to", "department_id"]].sort_values("valid_from")
    right = right.astype({"valid_from": "datetime64[us]", "valid_to": "datetime64[us]"})
    joined = pd.merge_asof(left, right, left_on=date_column, right_on="valid_from", by="employee_id")
    joined.loc[joined[date_column] > joined["valid_to"], "department_id"] = None
    return joined.set_index("index")["department_id"].reindex(frame.index)


def with_company_total(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows per (period, department) plus one ALL row per period."""
    company = counts.groupby("period").sum(numeric_only=True).reset_index().assign(department_id="ALL")
    return pd.concat([counts, company], ignore_index=True)


def absenteeism(landing: Path, versions: pd.DataFrame, periods: pd.DatetimeIndex) -> pd.DataFrame:
    settings = get_settings()
    holidays = public_holidays(settings.country)
    parts = []
    for path in monthly_files(landing / "hris" / "attendance"):
        day = read_monthly(path, ["employee_id", "attendance_date", "status"])
        day["attendance_date"] = pd.to_datetime(day["attendance_date"])
        day = day[day["attendance_date"].dt.to_period("M").dt.to_timestamp().isin(periods)]
        if day.empty:
            continue
        day["department_id"] = department_on(day, "attendance_date", versions)
        day = day[day["department_id"].notna()]
        working = (day["attendance_date"].dt.isocalendar().day <= settings.work_week_days) & ~day[
            "attendance_date"
        ].isin(holidays)
        scheduled = working & ~day["status"].isin(PLANNED)
        day = day.assign(
            period=day["attendance_date"].dt.to_period("M").dt.to_timestamp(),
            scheduled=scheduled.astype(int),
            unplanned=(scheduled & day["status"].isin(UNPLANNED)).astype(int),
        )
        parts.append(day.groupby(["period", "department_id"])[["scheduled", "unplanned"]].sum().reset_index())
    counts = pd.concat(parts).groupby(["period", "department_id"]).sum().reset_index()
    counts = with_company_total(counts)
    counts["value"] = (counts["unplanned"] / counts["scheduled"] * 100).where(counts["scheduled"] > 0)
    return counts.assign(kpi_code="absenteeism_rate_pct")[[*KEYS, "value"]]


def payroll_cost(landing: Path, versions: pd.DataFrame, periods: pd.DatetimeIndex) -> pd.DataFrame:
    components = pd.read_csv(landing / "payroll" / "components.csv", dtype=str)
    costed = set(
        components.loc[components["component_type"].isin(["earning", "employer_contribution"]), "component_code"]
    )
    parts = []
    for path in monthly_files(landing / "payroll" / "payslips"):
        lines = read_monthly(path, ["period", "pay_date", "employee_id", "component_code", "amount_idr"])
        lines = lines[lines["component_code"].isin(costed)].copy()
        lines["period"] = pd.to_datetime(lines["period"].astype(str).str[:7] + "-01")
        lines = lines[lines["period"].isin(periods)]
        if lines.empty:
            continue
        lines["pay_date"] = pd.to_datetime(lines["pay_date"])
        slips = lines.groupby(["period", "pay_date", "employee_id"], as_index=False)["amount_idr"].sum()
        slips["department_id"] = department_on(slips, "pay_date", versions)
        # hired after the pay date of the first month: the department joined that month
        missing = slips["department_id"].isna()
        if missing.any():
            month_end = slips.loc[missing, "period"] + pd.offsets.MonthEnd(0)
            joined = slips.loc[missing, ["employee_id"]].assign(month_end=month_end.values)
            joined = joined.merge(versions[["employee_id", "valid_from", "department_id"]], on="employee_id")
            joined = joined[joined["valid_from"] <= joined["month_end"]].sort_values("valid_from")
            latest = joined.drop_duplicates("employee_id", keep="last").set_index("employee_id")["department_id"]
            slips.loc[missing, "department_id"] = slips.loc[missing, "employee_id"].map(latest)
        company = slips.groupby("period", as_index=False)["amount_idr"].sum().assign(department_id="ALL")
        departments = (
            slips[slips["department_id"].notna()]
            .groupby(["period", "department_id"], as_index=False)["amount_idr"]
            .sum()
        )
        parts += [departments, company]
    cost = pd.concat(parts).groupby(["period", "department_id"], as_index=False)["amount_idr"].sum()
    return cost.assign(kpi_code="payroll_cost_total_idr", value=cost["amount_idr"].astype(float))[[*KEYS, "value"]]


def compute_kpis(landing: Path, months: int = 36) -> pd.DataFrame:
    periods = reporting_periods(landing, months)
    versions = employment_versions(landing)
    frames = [
        workforce_kpis(versions, periods),
        absenteeism(landing, versions, periods),
        payroll_cost(landing, versions, periods),
    ]
    return pd.concat(frames, ignore_index=True).sort_values(KEYS, ignore_index=True)
