"""Manual journals (accruals and reversals, reclassifications, customer billing, bank charges), customer
receipts, the opening balance, the planted manual-journal anomalies, and budgets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.finance_calendar import WorkCalendar, periods_of
from generator.finance_gl import (
    ACCOUNT_CATEGORY,
    ACCOUNT_NAME,
    ACCRUED,
    AR,
    BANK_CHARGES,
    CAPITAL,
    CASH,
    EXPENSE_CATEGORIES,
    RETAINED,
    REVENUE,
    lines,
)
from generator.finance_vendors import company_names

GL_USERS = np.array(["U009", "U010"])
ACCRUAL_ACCOUNTS = ("6320", "6420", "6430", "6130", "6230", "6330")
RECLASS_ACCOUNTS = ("6210", "6220", "6510", "6520", "6610", "6710", "6810", "6840")
BANK_COLUMNS = ["date", "amount", "description", "reference", "counterparty", "kind", "plant", "note"]


def not_round(amount: np.ndarray) -> np.ndarray:
    """Clean manual amounts never end in six zeros (the round-amount test looks for those)."""
    amount = np.asarray(amount, dtype=np.int64)
    return np.where(amount % 1_000_000 == 0, amount + 1_250, amount)


def bank_rows(date, amount, desc, ref, counterparty, kind, plant="", note="") -> pd.DataFrame:  # noqa: ANN001
    amount = np.atleast_1d(np.asarray(amount, dtype=np.int64))
    return pd.DataFrame(
        {
            "date": np.broadcast_to(np.asarray(date, dtype="datetime64[D]"), amount.shape),
            "amount": amount,
            "description": desc,
            "reference": ref,
            "counterparty": counterparty,
            "kind": kind,
            "plant": plant,
            "note": note,
        }
    )


def _cost(monthly_cost: dict[str, int], period: str) -> float:
    return float(monthly_cost.get(period) or np.median(list(monthly_cost.values()) or [1e9]))


def accruals_and_reclasses(
    rng: np.random.Generator,
    cal: WorkCalendar,
    periods: list[str],
    dept_ids: np.ndarray,
    dept_p: np.ndarray,
    monthly_cost: dict[str, int],
) -> pd.DataFrame:
    """Month-end accruals (reversed on the first working day of the next month) and mid-month
    reclassifications between departments. Creator: a GL accountant; approver: controller or manager."""
    out, j = [], 0
    for period in periods:
        days = cal.working_days(period)
        last = days[-1]
        reverse = cal.shift(np.array([last + 1]), 0)[0]
        cost = _cost(monthly_cost, period)
        for k in range(int(rng.integers(2, 5))):
            acct = ACCRUAL_ACCOUNTS[int(rng.integers(0, len(ACCRUAL_ACCOUNTS)))]
            dept = rng.choice(dept_ids, p=dept_p)
            amount = int(not_round(np.array([cost * rng.lognormal(np.log(0.004), 0.7)]))[0])
            ref = f"ACR-{period}-{k + 1:02d}"
            who = GL_USERS[int(rng.integers(0, 2))]
            ok = "U003" if rng.random() < 0.8 else "U002"
            text = f"Accrual {ACCOUNT_NAME[acct].lower()} {period}"
            out.append(
                lines(
                    [j, j],
                    last,
                    [acct, ACCRUED],
                    [dept, ""],
                    text,
                    [amount, -amount],
                    "manual",
                    ref,
                    who,
                    ok,
                    tag="accrual",
                )
            )
            out.append(
                lines(
                    [j + 1, j + 1],
                    reverse,
                    [ACCRUED, acct],
                    ["", dept],
                    "Reversal: " + text,
                    [amount, -amount],
                    "manual",
                    ref,
                    who,
                    ok,
                    tag="reversal",
                )
            )
            j += 2
        inner = days[2:-2] if len(days) > 6 else days
        for k in range(int(rng.integers(1, 3))):
            acct = RECLASS_ACCOUNTS[int(rng.integers(0, len(RECLASS_ACCOUNTS)))]
            src, dst = rng.choice(dept_ids, size=2, replace=len(dept_ids) < 2, p=dept_p)
            amount = int(not_round(np.array([cost * rng.lognormal(np.log(0.001), 0.7)]))[0])
            text = f"Reclassification {ACCOUNT_NAME[acct].lower()} {src} to {dst}"
            out.append(
                lines(
                    [j, j],
                    rng.choice(inner),
                    [acct, acct],
                    [dst, src],
                    text,
                    [amount, -amount],
                    "manual",
                    f"RCL-{period}-{k + 1:02d}",
                    GL_USERS[int(rng.integers(0, 2))],
                    "U003",
                    tag="reclass",
                )
            )
            j += 1
    return pd.concat(out, ignore_index=True)


def billing_and_receipts(
    rng: np.random.Generator,
    cal: WorkCalendar,
    periods: list[str],
    employees: int,
    monthly_cost: dict[str, int],
    sales_dept: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly customer billing (manual journal: Dr AR per customer / Cr revenue) and the customer receipts
    25–55 days later (bank journal: Dr bank / Cr AR, reference = the sales invoice number)."""
    n_cust = int(np.clip(employees // 50, 4, 40))
    names = company_names(rng, n_cust, "customer")
    share = rng.dirichlet(np.full(n_cust, 2.0))
    gl, bank, j = [], [], 0
    for period in periods:
        bill_date = cal.working_days(period)[-1]
        total = _cost(monthly_cost, period) * rng.uniform(1.08, 1.16)
        amounts = not_round(np.rint(total * share * rng.lognormal(0, 0.05, n_cust)))
        si = np.array([f"SI-{period}-{c + 1:03d}" for c in range(n_cust)])
        text = "Billing " + si + " " + names
        gl.append(
            lines(
                np.full(n_cust + 1, j),
                bill_date,
                [AR] * n_cust + [REVENUE],
                [""] * n_cust + [sales_dept],
                np.append(text, f"Service revenue {period}"),
                np.append(amounts, -amounts.sum()),
                "manual",
                f"BILL-{period}",
                "U010",
                "U002",
                tag="billing",
            )
        )
        j += 1
        received = cal.on_or_after(bill_date + rng.integers(25, 56, n_cust))
        ok = received <= cal.end
        jj = j + np.arange(ok.sum())
        rtext = "Customer receipt " + si[ok] + " " + names[ok]
        gl.append(lines(jj, received[ok], CASH, "", rtext, amounts[ok], "bank", si[ok], "U012", "U003", tag="cash"))
        gl.append(lines(jj, received[ok], AR, "", rtext, -amounts[ok], "bank", si[ok], "U012", "U003"))
        bank.append(bank_rows(received[ok], amounts[ok], "CR " + si[ok], si[ok], names[ok], "receipt"))
        j += int(ok.sum())
    return pd.concat(gl, ignore_index=True), pd.concat(bank, ignore_index=True)


def plant_sod_journal(rng: np.random.Generator, manual: pd.DataFrame, period: str) -> None:
    """Make one accrual of ``period`` (any period if it has none left) approved by its own creator."""
    pool = manual[(manual["tag"] == "accrual") & (manual["plant"] == "")]
    in_period = pool[periods_of(pool["date"].to_numpy().astype("datetime64[D]")) == period]
    pool = in_period if len(in_period) else pool
    if len(pool):
        rows = manual["j"] == rng.choice(pool["j"].unique())
        manual.loc[rows, "approved_by"] = manual.loc[rows, "created_by"]
        manual.loc[rows, ["plant", "note"]] = [
            "sod_journal_creator_approver",
            "Manual journal created and approved by the same user",
        ]


def opening_balance(cal: WorkCalendar, periods: list[str], monthly_cost: dict[str, int]) -> pd.DataFrame:
    """Opening cash of about three months of costs against share capital and retained earnings (source
    ``closing``, no bank line: it is a balance brought forward, not a movement)."""
    cash = int(not_round(np.array([3.1 * _cost(monthly_cost, periods[0]) + 7_654_321]))[0])
    capital = int(round(cash * 0.4, -9)) or cash // 2
    day = cal.working_days(periods[0])[0]
    return lines(
        [0, 0, 0],
        day,
        [CASH, CAPITAL, RETAINED],
        "",
        "Opening balance",
        [cash, -capital, capital - cash],
        "closing",
        "OPENING",
        "U003",
        "U001",
        tag="opening",
    )


def bank_fee_lines(fees: pd.DataFrame, cal: WorkCalendar, dept: str) -> pd.DataFrame:
    """The bank's monthly charges, booked by the company one working day after the bank line (no reference)."""
    date = cal.shift(fees["date"].to_numpy().astype("datetime64[D]"), 1)
    j = np.arange(len(fees))
    amount = -fees["amount"].to_numpy()
    text = "Bank charges BCA " + periods_of(date)
    both = np.concatenate
    return lines(
        both([j, j]),
        both([date, date]),
        np.repeat([BANK_CHARGES, CASH], len(j)),
        np.repeat([dept, ""], len(j)),
        both([text, text]),
        both([amount, -amount]),
        "manual",
        "",
        "U009",
        "U003",
        tag=np.repeat(["", "cash"], len(j)),
    )


def planted_manual(
    rng: np.random.Generator, cal: WorkCalendar, kind: str, period: str, k: int, dept: str, cost: float
) -> pd.DataFrame:
    days = cal.working_days(period)
    if kind == "round_amount_journal":
        amount = 10_000_000 * int(rng.integers(2, 16))
        return lines(
            [0, 0],
            rng.choice(days[:-1] if len(days) > 1 else days),
            ["6430", ACCRUED],
            [dept, ""],
            "Provision consulting fees",
            [amount, -amount],
            "manual",
            f"ADJ-{period}-{k + 1:02d}",
            "U009",
            "U003",
            plant=kind,
            note=f"Manual journal for a round Rp{amount:,}",
        )
    off = cal.non_working_days(period)
    holiday = off[(((off.astype(np.int64) + 3) % 7) < 5)]
    pool = holiday if (k % 2 and len(holiday)) else off
    day = rng.choice(pool)
    what = "a public holiday" if day in holiday else "a weekend day"
    amount = int(not_round(np.array([cost * rng.lognormal(np.log(0.002), 0.5)]))[0])
    return lines(
        [0, 0],
        day,
        ["6840", ACCRUED],
        [dept, ""],
        "Manual adjustment miscellaneous expenses",
        [amount, -amount],
        "manual",
        f"ADJ-{period}-{k + 11:02d}",
        "U010",
        "U003",
        plant=kind,
        note=f"Manual journal posted on {what}",
    )


def budgets(rng: np.random.Generator, gl: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Budget per fiscal (calendar) year, month, department and expense category: personnel close to each
    month's actual (±3 %), other categories the year's monthly average with a yearly planning error (±8 %)
    and monthly phasing noise (±5 %)."""
    exp = gl[gl["account_code"].map(ACCOUNT_CATEGORY).isin(EXPENSE_CATEGORIES) & (gl["department_id"] != "")]
    exp = exp.assign(
        category=exp["account_code"].map(ACCOUNT_CATEGORY),
        net=exp["debit_idr"].astype(np.int64) - exp["credit_idr"].astype(np.int64),
    )
    actual = exp.groupby(["period", "department_id", "category"])["net"].sum()
    idx = pd.MultiIndex.from_product(
        [periods, sorted(exp["department_id"].unique()), list(EXPENSE_CATEGORIES)],
        names=["period", "department_id", "category"],
    )
    df = actual.reindex(idx, fill_value=0).reset_index()
    df["fiscal_year"] = df["period"].str[:4].astype(int)
    yearly = df.groupby(["fiscal_year", "department_id", "category"])["net"].transform("mean")
    n = len(df)
    personnel = df["category"] == "personnel"
    plan_bias = df.groupby(["fiscal_year", "department_id", "category"])["net"].transform(
        lambda s: float(rng.lognormal(0, 0.08))
    )  # one planning error per year, department and category, then monthly phasing noise
    level = np.where(personnel, df["net"] * rng.lognormal(0, 0.03, n), yearly * plan_bias * rng.lognormal(0, 0.05, n))
    df["budget_idr"] = (np.round(np.maximum(level, 0) / 100_000) * 100_000).astype(np.int64)
    df = df[df.groupby(["fiscal_year", "department_id", "category"])["budget_idr"].transform("sum") > 0]
    out = df.rename(columns={"category": "account_category"})
    return out[["fiscal_year", "period", "department_id", "account_category", "budget_idr"]].reset_index(drop=True)
