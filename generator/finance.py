"""Finance landing files of the demo company (chart of accounts, general ledger, vendors, AP invoices, bank
statement, budgets), consistent with payroll, with planted control exceptions recorded in the answer key."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from generator.finance_ap import clean_invoices, dept_probabilities, finalise
from generator.finance_calendar import WorkCalendar, holiday_dates, iso, month_bounds, periods_of
from generator.finance_gl import (
    GL_COLUMNS,
    Ledger,
    ap_lines,
    chart_of_accounts,
    payroll_lines,
    statutory_lines,
    statutory_payments,
)
from generator.finance_manual import (
    accruals_and_reclasses,
    bank_fee_lines,
    bank_rows,
    billing_and_receipts,
    budgets,
    not_round,
    opening_balance,
    plant_sod_journal,
    planted_manual,
)
from generator.finance_planted import Planter
from generator.finance_vendors import make_vendors, vendor_count, vendor_file

if TYPE_CHECKING:
    from generator.context import Context

SEED_OFFSET = 1000
BANK_ACCOUNT_ID = "BCA-OPS"
#: planted finance anomaly types and their default counts (``ctx.config.anomalies`` overrides)
FINANCE_ANOMALIES: dict[str, int] = {
    "duplicate_invoice_exact": 2, "duplicate_invoice_near": 2, "sod_invoice_creator_approver": 2,
    "sod_journal_creator_approver": 2, "split_invoice": 2, "round_amount_journal": 2, "weekend_journal": 2,
    "employee_vendor_bank_match": 1, "invoice_paid_before_received": 2, "unmatched_bank_line": 2,
    # planned after the ones above, so adding them moved none of the earlier draws
    "duplicate_invoice_cross_vendor": 1, "duplicate_recurring_bill": 1, "split_invoice_small_pieces": 1,
}  # fmt: skip
INVOICE_COLUMNS = ["invoice_id", "vendor_id", "invoice_no", "invoice_date", "received_date", "approved_date",
                   "due_date", "paid_date", "amount_idr", "department_id", "account_code", "description",
                   "created_by", "approved_by", "payment_reference"]  # fmt: skip
BANK_COLUMNS = ["bank_txn_id", "bank_account_id", "txn_date", "amount_idr", "description", "reference", "counterparty"]
BANK_KIND_ORDER = {"payroll": 0, "statutory": 1, "ap": 2, "receipt": 3, "fee": 4, "other": 5}
BANK_LAG_KINDS = ("ap", "receipt")
MAX_BANK_LAG_DAYS = 3
PEOPLE = ("Andi Saputra", "Rina Kartika", "Budi Hartono", "Dewi Lestari", "Agus Salim", "Sri Wahyuni")


def generate_finance(
    ctx: Context, departments: pd.DataFrame, employees: pd.DataFrame, payroll_summary: pd.DataFrame
) -> dict[str, int]:
    """Writes the finance landing files; returns row counts per file written (relative path -> rows)."""
    cfg = ctx.config
    periods = list(ctx.periods)
    start, end = month_bounds(periods[0])[0], month_bounds(periods[-1])[1]
    cal = WorkCalendar(start, end, holiday_dates(ctx.reference))

    def rng(stream: int) -> np.random.Generator:  # one stream per purpose: no dependence on draw order
        return np.random.default_rng([cfg.seed + SEED_OFFSET, stream])

    plan = plan_anomalies(cfg.anomalies, periods, rng(1))
    ps = payroll_summary[payroll_summary["period"].astype(str).isin(periods)].copy()
    ps["department_id"] = ps["department_id"].astype(str)
    depts = departments.assign(department_id=departments["department_id"].astype(str))
    dept_names = dict(zip(depts["department_id"], depts["department_name"].astype(str), strict=True))
    gross_share = ps.groupby("department_id")["gross_cash_idr"].sum()
    gross_share = gross_share / max(gross_share.sum(), 1)
    dept_probs = dept_probabilities(depts, gross_share)
    dept_ids, dept_p = dept_probs["other_opex"]

    # vendors (the planted employee-vendor matches are new vendors paid to an employee's account)
    r2 = rng(2)
    fake_dates = [r2.choice(cal.working_days(p)[:10]) for p in plan["employee_vendor_bank_match"]]
    vendors = make_vendors(rng(3), vendor_count(cfg.employees), cal, employees, fake_dates)
    emp = employees[employees["bank_account"].fillna("").astype(str).str.strip() != ""]
    fake = vendors.index[vendors["planted"]]
    if len(fake) and len(emp):
        picks = emp.iloc[rng(4).choice(len(emp), size=len(fake), replace=len(emp) < len(fake))]
        vendors.loc[fake, "bank_account"] = picks["bank_account"].astype(str).str.strip().to_numpy()
        vendors.loc[fake, "employee_id"] = picks["employee_id"].astype(str).to_numpy()

    # AP invoices
    inv = clean_invoices(rng(5), cal, periods, cfg.employees, vendors, dept_probs, group_rng=rng(14))
    planter = Planter(rng(6), cal, inv, vendors, dept_probs)
    for v in vendors["idx"][vendors["planted"]]:
        planter.fake_vendor_invoices(int(v))
    for p in plan["duplicate_invoice_exact"]:
        planter.duplicate_exact(p)
    for k, p in enumerate(plan["duplicate_invoice_near"]):
        planter.duplicate_near(p, k)
    for k, p in enumerate(plan["split_invoice"]):
        planter.split(p, k)
    for p in plan["sod_invoice_creator_approver"]:
        planter.sod(p)
    for p in plan["invoice_paid_before_received"]:
        planter.paid_before_received(p)
    # a clean monthly recurring bill (the near-duplicate test's look-alike), then the cases planted on it and beside
    # it, each from its own stream so that the invoices above are drawn as they always were
    planter.recurring_bill(rng(15), periods)
    r16 = rng(16)
    for p in plan["duplicate_recurring_bill"]:
        planter.duplicate_recurring_bill(r16, p)
    for p in plan["duplicate_invoice_cross_vendor"]:
        planter.duplicate_cross_vendor(r16, p)
    for p in plan["split_invoice_small_pieces"]:
        planter.split_small_pieces(r16, p)
    inv = finalise(planter.inv, vendors, cal, rng(7))

    # general ledger
    received_period = periods_of(inv["received"].to_numpy().astype("datetime64[D]"))
    opex = pd.Series(inv["amount"].to_numpy(), index=received_period).groupby(level=0).sum()
    personnel = ps.groupby("period")[["gross_cash_idr", "employer_contrib_idr"]].sum().sum(axis=1)
    monthly_cost = {p: int(personnel.get(p, 0) + opex.get(p, 0)) for p in periods}
    domain_dept = dict(zip(depts["domain"].astype(str)[::-1], depts["department_id"][::-1], strict=True))
    finance_dept = domain_dept.get("finance", depts["department_id"].iloc[0])
    ledger = Ledger()
    ledger.add(opening_balance(cal, periods, monthly_cost))
    ledger.add(payroll_lines(ps, dept_names))
    stat = statutory_payments(ps, cal)
    ledger.add(statutory_lines(stat))
    ledger.add(ap_lines(inv))
    manual = accruals_and_reclasses(rng(8), cal, periods, dept_ids, dept_p, monthly_cost)
    r9 = rng(9)
    for p in plan["sod_journal_creator_approver"]:
        plant_sod_journal(r9, manual, p)
    ledger.add(manual)
    billing, receipts = billing_and_receipts(
        rng(10), cal, periods, cfg.employees, monthly_cost, domain_dept.get("sales", "")
    )
    ledger.add(billing)
    r11 = rng(11)
    for kind in ("round_amount_journal", "weekend_journal"):
        for k, p in enumerate(plan[kind]):
            ledger.add(planted_manual(r11, cal, kind, p, k, r11.choice(dept_ids, p=dept_p), monthly_cost[p]))

    # bank statement
    bank = _bank_statement(rng(12), cal, periods, ps, stat, inv, receipts, plan["unmatched_bank_line"])
    fees = bank[bank["kind"] == "fee"]
    ledger.add(bank_fee_lines(fees, cal, finance_dept))
    gl = ledger.finalise(end)

    paid_by = bank[bank["kind"] == "ap"].set_index("reference")["bank_txn_id"]
    inv["payment_reference"] = inv["invoice_id"].map(paid_by).fillna("")
    _record_answers(ctx, inv, vendors, gl, bank)
    return _write(ctx, periods, gl, vendors, inv, bank, budgets(rng(13), gl, periods))


def plan_anomalies(anomalies: dict[str, int], periods: list[str], rng: np.random.Generator) -> dict[str, list[str]]:
    """The period of every planted finance anomaly (never the first or last month when there are three or more)."""
    inner = periods[1:-1] if len(periods) >= 3 else periods
    return {
        t: [str(p) for p in rng.choice(inner, size=max(0, int(anomalies.get(t, d))))]
        for t, d in FINANCE_ANOMALIES.items()
    }


def _bank_statement(
    rng: np.random.Generator,
    cal: WorkCalendar,
    periods: list[str],
    ps: pd.DataFrame,
    stat: pd.DataFrame,
    inv: pd.DataFrame,
    receipts: pd.DataFrame,
    unmatched: list[str],
) -> pd.DataFrame:
    runs = ps.groupby("run_id", sort=True).agg(date=("pay_date", "first"), net=("net_pay_idr", "sum"))
    paid = inv[inv["paid"].notna()]
    parts = [
        bank_rows(
            pd.to_datetime(runs["date"]).to_numpy(),
            -runs["net"].to_numpy(),
            "PAYROLL " + runs.index,
            runs.index.to_numpy(),
            "Karyawan (payroll batch)",
            "payroll",
        ),
        bank_rows(
            stat["date"].to_numpy(),
            -stat["amount"].to_numpy(),
            stat["description"].str.upper().to_numpy(),
            stat["reference"].to_numpy(),
            stat["counterparty"].to_numpy(),
            "statutory",
        ),
        bank_rows(
            paid["paid"].to_numpy(),
            -paid["amount"].to_numpy(),
            ("TRF " + paid["invoice_no"]).to_numpy(),
            paid["invoice_id"].to_numpy(),
            paid["vendor_name"].to_numpy(),
            "ap",
        ),
        receipts,
    ]
    bank = pd.concat(parts, ignore_index=True)
    # Some transfers clear one or two working days after the ledger posting: at most three calendar days
    # later and never across a month end.
    date = bank["date"].to_numpy().astype("datetime64[D]")
    lag = rng.choice([0, 1, 2], size=len(bank), p=[0.75, 0.15, 0.10])
    lagged = cal.shift(date, lag)
    ok = np.isin(bank["kind"], BANK_LAG_KINDS) & (periods_of(lagged) == periods_of(date))
    ok &= (lagged - date).astype(np.int64) <= MAX_BANK_LAG_DAYS
    bank["date"] = np.where(ok, lagged, date)
    month = periods_of(bank["date"].to_numpy().astype("datetime64[D]"))
    n_out = pd.Series(bank["amount"].to_numpy() < 0).groupby(month).sum()
    fee_day = [_fee_day(cal, p) for p in periods]
    fee = not_round(np.array([15_000 + 2_900 * int(n_out.get(p, 0)) for p in periods]))
    extra = [bank_rows(fee_day, -fee, "BIAYA ADM & TRANSFER", "", "BCA", "fee")]
    for k, p in enumerate(unmatched):
        day = rng.choice(cal.working_days(p)[:-2])
        amount = -int(not_round(np.array([rng.lognormal(np.log(15e6), 0.6)]))[0])
        extra.append(
            bank_rows(
                day,
                amount,
                "TRF ONLINE",
                "",
                PEOPLE[k % len(PEOPLE)],
                "other",
                "unmatched_bank_line",
                "Outgoing transfer with no ledger entry",
            )
        )
    bank = pd.concat([bank, *extra], ignore_index=True)
    bank["rank"] = bank["kind"].map(BANK_KIND_ORDER)
    bank = bank.sort_values(["date", "rank", "reference", "amount"], kind="stable").reset_index(drop=True)
    period = periods_of(bank["date"].to_numpy().astype("datetime64[D]"))
    seq = bank.groupby(period, sort=False).cumcount().to_numpy() + 1
    bank["period"] = period
    bank["bank_txn_id"] = [f"BT-{p.replace('-', '')}-{s:06d}" for p, s in zip(period, seq, strict=True)]
    return bank


def _fee_day(cal: WorkCalendar, period: str) -> np.datetime64:
    """The bank charges its fees late in the month on a working day whose next working day (when the company
    books them) is at most three calendar days later and still in the month."""
    days = cal.working_days(period)
    gaps = np.diff(days).astype(np.int64)
    ok = np.flatnonzero(gaps <= MAX_BANK_LAG_DAYS)
    return days[ok[-1]] if len(ok) else days[-2]


def _record_answers(
    ctx: Context, inv: pd.DataFrame, vendors: pd.DataFrame, gl: pd.DataFrame, bank: pd.DataFrame
) -> None:
    key = ctx.answer_key
    id_of_tmp = dict(zip(inv["tmp"], inv["invoice_id"], strict=True))
    for r in inv[inv["plant"] != ""].itertuples():
        extra = f" (copy of {id_of_tmp.get(r.orig, '?')})" if r.orig >= 0 else ""
        period = str(np.datetime64(r.invoice_date, "M"))
        key.add(r.plant, "ap_invoices", r.invoice_id, period, f"{r.note}{extra}; vendor {r.vendor_id}")
    for r in vendors[vendors["planted"]].itertuples():
        key.add(
            "employee_vendor_bank_match",
            "vendors",
            r.vendor_id,
            str(np.datetime64(r.created, "M")),
            f"Vendor {r.vendor_name} is paid into the bank account of employee {getattr(r, 'employee_id', '?')}",
        )
    for r in gl[gl["plant"] != ""].drop_duplicates("journal_id").itertuples():
        key.add(r.plant, "gl_entries", r.journal_id, r.period, r.note)
    for r in bank[bank["plant"] != ""].itertuples():
        key.add(r.plant, "bank_transactions", r.bank_txn_id, r.period, r.note)


def _write(
    ctx: Context,
    periods: list[str],
    gl: pd.DataFrame,
    vendors: pd.DataFrame,
    inv: pd.DataFrame,
    bank: pd.DataFrame,
    budget: pd.DataFrame,
) -> dict[str, int]:
    root = ctx.config.landing_dir
    counts: dict[str, int] = {}

    def put(relative: str, df: pd.DataFrame) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(df, path)
        counts[relative] = len(df)

    put("finance/chart_of_accounts.csv", chart_of_accounts())
    gl_by = dict(tuple(gl.groupby("period", sort=False)))
    for p in periods:
        part = gl_by.get(p, gl.iloc[:0])
        put(f"finance/gl/gl_entries_{p.replace('-', '_')}.csv", part[GL_COLUMNS])
    put("finance/vendors.csv", vendor_file(vendors))
    out = inv.rename(columns={"amount": "amount_idr"})
    for col, src in (
        ("invoice_date", "invoice_date"),
        ("received_date", "received"),
        ("approved_date", "approved"),
        ("due_date", "due"),
        ("paid_date", "paid"),
    ):
        out[col] = iso(inv[src].to_numpy().astype("datetime64[D]"))
    acct = chart_of_accounts().set_index("account_code")["account_name"]
    month = periods_of(inv["invoice_date"].to_numpy().astype("datetime64[D]"))
    out["description"] = out["account_code"].map(acct) + " " + month
    put("finance/ap_invoices.csv", out[INVOICE_COLUMNS])
    b = bank.assign(
        bank_account_id=BANK_ACCOUNT_ID,
        txn_date=iso(bank["date"].to_numpy().astype("datetime64[D]")),
        amount_idr=bank["amount"],
    )
    b_by = dict(tuple(b.groupby("period", sort=False)))
    for p in periods:
        put(f"finance/bank/bank_transactions_{p.replace('-', '_')}.csv", b_by.get(p, b.iloc[:0])[BANK_COLUMNS])
    put("finance/budgets.csv", budget)
    return counts


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV as pandas would write it (unquoted header, '\n' line ends), through Arrow's much faster writer;
    pandas takes over when a value needs quoting."""
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
        with path.open("wb") as fh:
            fh.write((",".join(df.columns) + "\n").encode("utf-8"))
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        df.to_csv(path, index=False, lineterminator="\n")
