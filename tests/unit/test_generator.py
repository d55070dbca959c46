"""Demo-company generator: determinism, documented files, payroll recomputed from the landing files,
realistic rates and planted anomalies (small companies generated into temp folders)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

import generator.finance
from generator import GeneratorConfig, generate_company
from generator.cli import main
from generator.config import DEFAULT_ANOMALIES, last_full_month

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "assets" / "reference" / "data"
HR_PAYROLL_FILES = {  # entity in docs/landing_files.md -> file or glob under the landing folder
    "departments": "hris/departments.csv", "employees": "hris/employees.xlsx",
    "job_history": "hris/job_history.csv", "attendance": "hris/attendance/attendance_*.parquet",
    "leave": "hris/leave.csv", "training": "hris/training.csv", "requisitions": "hris/requisitions.csv",
    "pay_bands": "hris/pay_bands.csv", "payroll_components": "payroll/components.csv",
    "payslip_lines": "payroll/payslips/payslip_lines_*.csv", "kpi_targets": "performance/kpi_targets.csv",
}  # fmt: skip


def _generate(base: Path, **kw) -> tuple[Path, Path, dict, list[pd.DataFrame]]:
    captured: list[pd.DataFrame] = []
    original = generator.finance.generate_finance

    def spy(ctx, departments, employees, payroll_summary):
        captured.append(payroll_summary.copy())
        return original(ctx, departments, employees, payroll_summary)

    config = GeneratorConfig(landing_dir=base / "landing", answer_key_dir=base / "answer_key",
                             show_progress=False, **kw)  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generator.finance, "generate_finance", spy)
        summary = generate_company(config)
    return base / "landing", base / "answer_key", summary, captured


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    # Oct 2025 .. Mar 2026: crosses a December recalculation, the THR run (Feb 2026) and a March bonus
    return _generate(tmp_path_factory.mktemp("small"), employees=40, months=6, end_period="2026-03")


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("medium"), employees=200, months=12, end_period="2025-12")


def _hashes(landing: Path) -> dict[str, str]:
    return {str(p.relative_to(landing)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(landing.rglob("*")) if p.is_file()}  # fmt: skip


def read_employees(landing: Path) -> pd.DataFrame:
    rows = CalamineWorkbook.from_path(str(landing / "hris/employees.xlsx")).get_sheet_by_name("employees").to_python()
    return pd.DataFrame(rows[1:], columns=rows[0])


def read_all(landing: Path, pattern: str) -> pd.DataFrame:
    files = sorted(landing.glob(pattern))
    if pattern.endswith(".parquet"):
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)


def documented_columns() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "landing_files.md").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for part in re.split(r"^### ", text, flags=re.M)[1:]:
        head, _, body = part.partition("\n")
        lines = []
        for line in body.split("\n## ")[0].strip().splitlines():
            if not line.strip() or line.startswith(("Codes:", "Every column")):
                break
            lines.append(line)
        flat = " ".join(lines)
        while re.search(r"\([^()]*\)", flat):
            flat = re.sub(r"\([^()]*\)", "", flat)
        out[head.split()[0]] = [c.strip().rstrip(".").strip() for c in flat.split(",") if c.strip()]
    return out


# -- determinism and files ---------------------------------------------------------------------------------
def test_same_seed_gives_identical_files(small, tmp_path):
    landing, answer_key, _, _ = small
    again, again_key, _, _ = _generate(tmp_path, employees=40, months=6, end_period="2026-03")
    first, second = _hashes(landing), _hashes(again)
    assert first == second
    assert (answer_key / "anomalies.csv").read_bytes() == (again_key / "anomalies.csv").read_bytes()
    other, _, _, _ = _generate(tmp_path / "other", employees=40, months=6, end_period="2026-03", seed=7)
    assert _hashes(other)["hris/job_history.csv"] != first["hris/job_history.csv"]


def test_documented_files_exist_with_documented_columns(small):
    landing, _, summary, _ = small
    docs = documented_columns()
    for entity, pattern in HR_PAYROLL_FILES.items():
        files = sorted(landing.glob(pattern))
        assert files, f"{pattern} missing"
        if pattern.endswith(".xlsx"):
            header = CalamineWorkbook.from_path(str(files[0])).get_sheet_by_name("employees").to_python()[0]
        elif pattern.endswith(".parquet"):
            header = pd.read_parquet(files[0]).columns.tolist()
        else:
            header = pd.read_csv(files[0], nrows=0).columns.tolist()
        assert list(header) == docs[entity], entity
    assert len(sorted(landing.glob("hris/attendance/*.parquet"))) == 6
    assert sorted(p.name for p in landing.glob("payroll/payslips/*.csv"))[0] == "payslip_lines_2025_10.csv"
    assert summary["row_counts"]["hris/attendance"] > 0


def test_master_snapshot_matches_job_history(small):
    landing, _, _, _ = small
    emp = read_employees(landing).set_index("employee_id")
    jh = pd.read_csv(landing / "hris/job_history.csv", dtype=str, keep_default_na=False)
    last = jh.groupby("employee_id").tail(1).set_index("employee_id").reindex(emp.index)
    for col in ("department_id", "grade", "position", "employment_type"):
        assert (emp[col].astype(str) == last[col]).all(), col
    assert (emp["base_salary_idr"].astype(int).astype(str) == last["base_salary_idr"]).all()
    assert emp["national_id"].astype(str).str.fullmatch(r"\d{16}").all()
    assert not emp["email"].duplicated().any()


# -- payroll ---------------------------------------------------------------------------------------------------
def _units(pct: str) -> int:
    return int(round(float(pct) * 10_000))


def _half_up(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


class Rules:
    """An independent reading of the reference CSVs for the recomputation below."""

    def __init__(self) -> None:
        def rd(name: str) -> pd.DataFrame:
            df = pd.read_csv(REF / f"{name}.csv", dtype=str, keep_default_na=False)
            return df[df["country"] == "ID"]

        self.t = {n: rd(n) for n in ("pph21_ter_monthly", "ptkp", "pph21_pasal17", "bpjs_programs",
                                     "minimum_wages", "overtime_multipliers", "pph21_parameters")}  # fmt: skip

    def active(self, name: str, d: dt.date) -> pd.DataFrame:
        df = self.t[name]
        f = df["effective_from"].map(dt.date.fromisoformat)
        t = df["effective_to"].map(lambda x: dt.date.fromisoformat(x) if x else dt.date.max)
        return df[(f <= d) & (t >= d)]

    def pasal17(self, pkp: int, d: dt.date) -> int:
        tax = 0
        brackets = self.active("pph21_pasal17", d)[["pkp_lower_excl_idr", "pkp_upper_incl_idr", "rate_pct"]]
        for lo, hi, r in brackets.values:
            hi = int(hi) if hi else 10**18
            tax += min(max(pkp - int(lo), 0), hi - int(lo)) * _units(r)
        return _half_up(tax, 10**6)

    def ter_units(self, cat: str, gross: int, d: dt.date) -> int:
        t = self.active("pph21_ter_monthly", d)
        for lo, hi, r in t[t["category"] == cat][["gross_lower_excl_idr", "gross_upper_incl_idr", "rate_pct"]].values:
            if gross > int(lo) and (not hi or gross <= int(hi)):
                return _units(r)
        raise AssertionError("no TER band")

    def multiplier_hours(self, hours: float, scenario: str) -> float:
        t = self.t["overtime_multipliers"]
        tiers = sorted((float(a), float(b), float(m)) for a, b, m in
                       t[t["scenario"] == scenario][["hour_from", "hour_to", "multiplier"]].values)  # fmt: skip
        total = 0.0
        for i, (a, b, m) in enumerate(tiers):
            width = np.inf if i == len(tiers) - 1 else b - a + 1
            total += min(max(hours - (a - 1), 0), width) * m
        return total


def recompute_payslip_mismatches(landing: Path) -> pd.DataFrame:
    """Recompute BASIC, ALW_FIXED, OVERTIME, BPJS and PPH21 of every payslip from the landing files alone."""
    rules = Rules()
    emp = read_employees(landing)
    ptkp_of = dict(zip(emp["employee_id"], emp["ptkp_status"], strict=True))
    region = dict(pd.read_csv(landing / "hris/departments.csv")[["department_id", "region_code"]].values)
    jh = pd.read_csv(landing / "hris/job_history.csv", dtype=str, keep_default_na=False)
    jh["date"] = jh["event_date"].map(dt.date.fromisoformat)
    by_emp = {k: g for k, g in jh.groupby("employee_id", sort=False)}
    att = read_all(landing, "hris/attendance/*.parquet")
    att = att[att["overtime_hours_approved"] > 0].copy()
    att["period"] = att["attendance_date"].astype(str).str[:7]
    att["mh"] = [rules.multiplier_hours(h, "workday" if t == "workday" else "restday_or_holiday_5day_week")
                 for h, t in zip(att["overtime_hours_approved"], att["day_type"], strict=True)]  # fmt: skip
    ot = (att.groupby(["employee_id", "period"])["mh"].sum() * 100).round().astype(int).to_dict()
    lines = read_all(landing, "payroll/payslips/*.csv")
    lines["amount_idr"] = lines["amount_idr"].astype(int)
    wide = lines.pivot_table(index=["period", "employee_id"], columns="component_code", values="amount_idr",
                             aggfunc="sum", fill_value=0)  # fmt: skip
    taxable = ["BASIC", "ALW_FIXED", "OVERTIME", "THR", "BONUS", "BPJS_KES_ER", "JKK_ER", "JKM_ER"]
    programs = [("BPJS_KES_EE", "BPJS_KESEHATAN", "employee_pct"), ("BPJS_KES_ER", "BPJS_KESEHATAN", "employer_pct"),
                ("JHT_EE", "JHT", "employee_pct"), ("JHT_ER", "JHT", "employer_pct"), ("JP_EE", "JP", "employee_pct"),
                ("JP_ER", "JP", "employer_pct"), ("JKK_ER", "JKK_RISK_I_VERY_LOW", "employer_pct"),
                ("JKM_ER", "JKM", "employer_pct")]  # fmt: skip
    ytd: dict[str, dict[str, int]] = {}
    out = []
    for (period, eid), row in wide.iterrows():
        y, m = map(int, period.split("-"))
        start = dt.date(y, m, 1)
        end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        g = by_emp[eid]
        state = g[g["date"] <= end].iloc[-1]
        hire = g[(g["date"] <= end) & g["event_type"].isin(["hire", "rehire"])]["date"].iloc[-1]
        terms = g[(g["date"] >= hire) & (g["event_type"] == "termination")]["date"]
        term = terms.iloc[0] if len(terms) else None
        if term is not None and term < start:
            out.append((period, eid, "EMPLOYED", 0, 0))
            continue
        days = (min(term or end, end) - max(hire, start)).days + 1
        base, alw = int(state["base_salary_idr"]), int(state["fixed_allowance_idr"])
        wage = base + alw
        exp = {"BASIC": _half_up(base * days, end.day), "ALW_FIXED": _half_up(alw * days, end.day),
               "OVERTIME": _half_up(wage * ot.get((eid, period), 0), 173 * 100),
               "THR": int(row.get("THR", 0)), "BONUS": int(row.get("BONUS", 0))}  # fmt: skip
        mw = rules.t["minimum_wages"]
        minw = int(np.ceil(float(mw[(mw["region_code"] == region[state["department_id"]]) & (mw["year"] == str(y))]
                               ["min_wage_idr"].iloc[0])))  # fmt: skip
        bp = rules.active("bpjs_programs", start)
        for code, program, side in programs:
            r = bp[bp["program"] == program].iloc[0]
            b = max(wage, minw) if r["wage_floor"] else wage
            b = min(b, int(r["wage_cap_idr"])) if r["wage_cap_idr"] else b
            exp[code] = _half_up(b * _units(r[side]), 10**6)
        gross = sum(exp[c] for c in taxable)
        p = rules.t["ptkp"]
        ptkp_row = p[p["ptkp_status"] == ptkp_of[eid]].iloc[0]
        ptkp = int(ptkp_row["ptkp_annual_idr"])
        k = ytd.get(eid)
        if k is None or k["year"] != y:
            k = {"year": y, "g": 0, "jht": 0, "jp": 0, "pph": 0, "n": 0}
        leaving = term is not None and start <= term <= end
        if m == 12 or leaving:
            G, n = k["g"] + gross, k["n"] + 1
            bj = min(G * 50_000, min(500_000 * n, 6_000_000) * 10**6)  # 5% capped (parameters in the CSV)
            net = (G - k["jht"] - exp["JHT_EE"] - k["jp"] - exp["JP_EE"] - ptkp) * 10**6 - bj
            exp["PPH21"] = rules.pasal17(max(net // 10**9, 0) * 1000, start) - k["pph"]
        elif start >= dt.date(2024, 1, 1):
            exp["PPH21"] = _half_up(gross * rules.ter_units(ptkp_row["ter_category"], gross, start), 10**6)
        else:
            bj = min(gross * 50_000, 500_000 * 10**6)
            annual = 12 * ((gross - exp["JHT_EE"] - exp["JP_EE"]) * 10**6 - bj) - ptkp * 10**6
            exp["PPH21"] = _half_up(rules.pasal17(max(annual // 10**9, 0) * 1000, start), 12)
        for code, value in exp.items():
            if int(row.get(code, 0)) != value:
                out.append((period, eid, code, int(row.get(code, 0)), value))
        k.update(g=k["g"] + sum(int(row.get(c, 0)) for c in taxable), jht=k["jht"] + int(row.get("JHT_EE", 0)),
                 jp=k["jp"] + int(row.get("JP_EE", 0)), pph=k["pph"] + int(row.get("PPH21", 0)),
                 n=k["n"] + 1)  # fmt: skip
        ytd[eid] = {"year": 0} if leaving else k
    return pd.DataFrame(out, columns=["period", "employee_id", "code", "actual", "expected"])


def test_payslips_follow_the_rules_except_planted_anomalies(small):
    landing, answer_key, _, _ = small
    ans = pd.read_csv(answer_key / "anomalies.csv", dtype=str, keep_default_na=False)
    planted = set(zip(ans["key"], ans["period"], strict=True))
    bad = recompute_payslip_mismatches(landing)
    unexplained = bad[[(e, p) not in planted for e, p in zip(bad["employee_id"], bad["period"], strict=True)]]
    assert unexplained.empty, unexplained.head(20).to_string()
    payroll_types = {"paid_after_termination", "bpjs_wrong_base", "pph21_wrong"}
    for row in ans[ans["anomaly_type"].isin(payroll_types)].itertuples():
        assert ((bad["employee_id"] == row.key) & (bad["period"] == row.period)).any(), row


def test_thr_paid_in_time_and_net_pay_adds_up(small):
    landing, answer_key, _, captured = small
    lines = read_all(landing, "payroll/payslips/*.csv")
    lines["amount_idr"] = lines["amount_idr"].astype(int)
    ans = pd.read_csv(answer_key / "anomalies.csv", dtype=str, keep_default_na=False)
    late = set(ans.loc[ans["anomaly_type"] == "thr_late", "key"])
    thr = lines[lines["component_code"] == "THR"]
    assert set(thr.loc[~thr["employee_id"].isin(late), "period"]) == {"2026-02"}  # Idul Fitri 2026-03-21
    assert (lines.loc[lines["component_code"] != "PPH21", "amount_idr"] > 0).all()
    comp = pd.read_csv(landing / "payroll/components.csv")
    sign = {"earning": 1, "deduction": -1, "tax": -1, "employer_contribution": 0}
    lines["signed"] = lines["amount_idr"] * lines["component_code"].map(
        dict(zip(comp["component_code"], comp["component_type"].map(sign), strict=True))
    )
    net = lines.groupby(["period", "employee_id"])["signed"].sum()
    assert (net > 0).all()
    summary = captured[0]
    assert summary["net_pay_idr"].sum() == net.sum()
    cash = summary["gross_cash_idr"] - summary["employee_bpjs_idr"] - summary["pph21_idr"]
    assert cash.sum() == summary["net_pay_idr"].sum()
    by_period = summary.groupby("period")["net_pay_idr"].sum()
    assert by_period.to_dict() == net.groupby(level=0).sum().to_dict()


# -- realism and anomalies (medium company) -----------------------------------------------------------------------
def test_turnover_and_absenteeism_in_range(medium):
    landing, _, _, _ = medium
    jh = pd.read_csv(landing / "hris/job_history.csv", dtype=str, keep_default_na=False)
    att = read_all(landing, "hris/attendance/*.parquet")
    att["period"] = att["attendance_date"].astype(str).str[:7]
    heads = att.groupby("period")["employee_id"].nunique()
    term = jh[jh["event_type"] == "termination"]
    seps = term[term["event_date"].str[:7].isin(heads.index)].groupby(term["event_date"].str[:7]).size()
    turnover = (seps.reindex(heads.index, fill_value=0) / heads * 100).mean()
    assert 1.5 <= turnover <= 2.5, turnover
    shares = term["termination_type"].value_counts(normalize=True)
    assert 0.6 <= shares["voluntary"] <= 0.8 and 0.15 <= shares["involuntary"] <= 0.35
    scheduled = att[(att["day_type"] == "workday") & (att["status"] != "collective_leave")]
    absent = scheduled["status"].isin(["sick", "permit", "unpaid_absence"]).groupby(scheduled["period"]).mean() * 100
    assert 2.0 <= absent.mean() <= 4.0, absent.mean()
    assert heads.min() >= 0.9 * 200 and heads.max() <= 1.15 * 200


def test_planted_anomalies_are_recorded_and_visible(medium):
    landing, answer_key, summary, _ = medium
    ans = pd.read_csv(answer_key / "anomalies.csv", dtype=str, keep_default_na=False)
    emp = read_employees(landing)
    ids = set(emp["employee_id"])
    periods = {f"2025-{m:02d}" for m in range(1, 13)}
    hr = ans[ans["anomaly_type"].isin(DEFAULT_ANOMALIES)]
    assert set(hr["anomaly_type"]) == set(DEFAULT_ANOMALIES) - set(summary["anomalies_skipped"])
    assert set(hr["key"]) <= ids and set(hr["period"]) <= periods
    att = read_all(landing, "hris/attendance/*.parquet")
    ghosts = set(ans.loc[ans["anomaly_type"] == "ghost_employee", "key"])
    paid = set(read_all(landing, "payroll/payslips/*.csv")["employee_id"])
    assert paid - set(att["employee_id"]) == ghosts
    dup_bank = set(emp.loc[emp["bank_account"].duplicated(keep=False), "employee_id"])
    assert dup_bank == set(ans.loc[ans["anomaly_type"] == "shared_bank_account", "key"])
    work = att[att["day_type"] == "workday"]
    over_day = set(work.loc[work["overtime_hours_approved"] > 4, "employee_id"])
    assert over_day == set(ans.loc[ans["anomaly_type"] == "overtime_over_daily_limit", "key"])
    week = pd.to_datetime(work["attendance_date"]).dt.to_period("W-SUN")
    weekly = work.groupby([work["employee_id"], week])["overtime_hours_approved"].sum()
    over_week = set(weekly[weekly > 18].index.get_level_values(0))
    assert over_week == set(ans.loc[ans["anomaly_type"] == "overtime_over_weekly_limit", "key"])
    active = emp[emp["termination_date"].isna() | (emp["termination_date"] == "")]
    expired = active[(active["employment_type"] != "PKWTT")
                     & (active["contract_end_date"].astype(str).str[:10] < "2025-12-31")]  # fmt: skip
    assert set(expired["employee_id"]) == set(ans.loc[ans["anomaly_type"] == "expired_contract_active", "key"])


def test_anomaly_counts_are_configurable(tmp_path):
    none = {k: 0 for k in DEFAULT_ANOMALIES}
    _, answer_key, summary, _ = _generate(tmp_path, employees=30, months=2, end_period="2025-11",
                                          anomalies={**none, "ghost_employee": 2, "missing_tax_id": 1})  # fmt: skip
    ans = pd.read_csv(answer_key / "anomalies.csv")
    hr = ans[ans["anomaly_type"].isin(DEFAULT_ANOMALIES)]
    assert hr["anomaly_type"].value_counts().to_dict() == {"ghost_employee": 2, "missing_tax_id": 1}


# -- configuration and CLI --------------------------------------------------------------------------------------
def test_default_end_period_is_last_full_month():
    assert last_full_month(dt.date(2026, 1, 15)) == "2025-12"
    assert last_full_month(dt.date(2026, 3, 1)) == "2026-02"
    assert GeneratorConfig().end_period == last_full_month()


def test_cli_writes_and_prints_summary(tmp_path, capsys):
    code = main(["--employees", "25", "--months", "1", "--end-period", "2025-06", "--no-progress",
                 "--landing-dir", str(tmp_path / "l"), "--answer-key-dir", str(tmp_path / "a"),
                 "--anomaly", "ghost_employee=0"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "hris/attendance" in out and "payroll/payslips" in out
    assert (tmp_path / "a" / "generation.json").exists()
    with pytest.raises(SystemExit):
        main(["--anomaly", "ghost_employee"])


def test_no_country_rule_literals_in_generator_code():
    """Rates, caps, PTKP and holidays come from the reference CSVs, not from generator code."""
    forbidden = ["173", "12_000_000", "12000000", "54_000_000", "500_000", "6_000_000", "9_559_600",
                 "10_042_300", "10_547_400", "0.24", "3.7", "Idul", "2024-01-01", "5_396_761"]  # fmt: skip
    for path in sorted((ROOT / "generator").glob("*.py")):
        if path.name.startswith("finance"):
            continue
        code = "\n".join(line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines())
        code = re.sub(r'"""[\s\S]*?"""', "", code)
        for literal in forbidden:
            assert not re.search(rf"(?<![\w.]){re.escape(literal)}(?![\w])", code), f"{literal} in {path.name}"


def test_every_demo_target_is_on_a_registered_kpi(small):
    """A target on a code the KPI registry does not know would never reach the scorecard."""
    from assets.kpi.registry import load_registry

    landing = small[0]
    targets = pd.read_csv(landing / "performance" / "kpi_targets.csv")
    codes = {k.code for k in load_registry()}
    assert sorted(set(targets["kpi_code"]) - codes) == []
    assert {"opex_budget_variance_pct", "ap_on_time_payment_rate_pct", "bank_match_rate_count_pct"} <= set(
        targets["kpi_code"]
    )


# -- six-day week and mid-month transfers ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def six_day(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("six_day"), employees=200, months=12, end_period="2025-12",
                     work_week_days=6, mid_month_transfer_share=1.0)  # fmt: skip


def test_a_six_day_week_company_works_on_saturdays(six_day):
    landing = six_day[0]
    att = read_all(landing, "hris/attendance/*.parquet")
    weekday = pd.to_datetime(att["attendance_date"]).dt.day_of_week
    assert (att.loc[weekday == 5, "day_type"] == "workday").mean() > 0.95  # Saturdays but holidays
    assert not (att.loc[weekday == 6, "day_type"] == "workday").any()  # Sundays rest
    assert (att.loc[weekday == 5, "status"] == "present").sum() > 1000


def test_mid_month_transfers_fall_between_the_2nd_and_the_pay_date_and_never_after_leaving(six_day):
    landing = six_day[0]
    events = pd.read_csv(landing / "hris" / "job_history.csv", dtype=str, keep_default_na=False)
    transfers = events[events["event_type"] == "transfer"]
    day = pd.to_datetime(transfers["event_date"])
    assert len(transfers) >= 3 and (day.dt.day > 1).all()
    assert (day.dt.day <= 25).all() and (day.dt.day_of_week < 6).all()  # by the pay date, on a working day
    # the transfer is the employee's department from that day: nothing of theirs that month is dated before it
    # with the new department, and nobody leaves before their transfer
    for t in transfers.itertuples():
        same_month = events[(events["employee_id"] == t.employee_id)
                            & (events["event_date"].str[:7] == t.event_date[:7])]  # fmt: skip
        earlier = same_month[same_month["event_date"] < t.event_date]
        assert not (earlier["department_id"] == t.department_id).any(), t
        left = same_month[same_month["event_type"] == "termination"]
        assert (left["event_date"] >= t.event_date).all(), t


def test_work_week_days_default_to_the_settings(monkeypatch):
    from pipelines import settings as settings_module

    monkeypatch.setenv("KINERJA_WORK_WEEK_DAYS", "6")
    settings_module.get_settings.cache_clear()
    try:
        assert GeneratorConfig(end_period="2025-06").work_week_days == 6
        assert GeneratorConfig(end_period="2025-06", work_week_days=5).work_week_days == 5
    finally:
        settings_module.get_settings.cache_clear()
    with pytest.raises(ValueError, match="mid_month_transfer_share"):
        GeneratorConfig(end_period="2025-06", work_week_days=5, mid_month_transfer_share=1.5)


def test_cli_takes_the_work_week_and_the_mid_month_transfer_share(tmp_path):
    code = main(["--employees", "25", "--months", "1", "--end-period", "2025-06", "--no-progress",
                 "--landing-dir", str(tmp_path / "l"), "--answer-key-dir", str(tmp_path / "a"),
                 "--work-week-days", "6", "--mid-month-transfers", "0.5"])  # fmt: skip
    assert code == 0
    import json

    config = json.loads((tmp_path / "a" / "generation.json").read_text())["config"]
    assert config["work_week_days"] == 6 and config["mid_month_transfer_share"] == 0.5
