"""Chart of accounts, finance users and the journal builder (payroll and AP postings) of the finance generator."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.finance_calendar import WorkCalendar, iso, periods_of

#: account_code, account_name, account_type, category, normal_balance
ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("1110", "Cash at bank - BCA operating account", "asset", "cash", "debit"),
    ("1120", "Petty cash", "asset", "cash", "debit"),
    ("1200", "Accounts receivable", "asset", "receivables", "debit"),
    ("1300", "Prepaid expenses", "asset", "prepayments", "debit"),
    ("2100", "Accounts payable", "liability", "payables", "credit"),
    ("2210", "Salaries payable", "liability", "payroll_liabilities", "credit"),
    ("2220", "PPh 21 payable", "liability", "payroll_liabilities", "credit"),
    ("2230", "BPJS payable", "liability", "payroll_liabilities", "credit"),
    ("2300", "Accrued expenses", "liability", "accruals", "credit"),
    ("3100", "Share capital", "equity", "equity", "credit"),
    ("3200", "Retained earnings", "equity", "equity", "credit"),
    ("4100", "Service revenue", "revenue", "revenue", "credit"),
    ("6110", "Salaries and wages", "expense", "personnel", "debit"),
    ("6120", "Employer BPJS contributions", "expense", "personnel", "debit"),
    ("6130", "THR and bonus", "expense", "personnel", "debit"),
    ("6210", "Software subscriptions", "expense", "it", "debit"),
    ("6220", "IT hardware and support", "expense", "it", "debit"),
    ("6230", "Telecommunication and internet", "expense", "it", "debit"),
    ("6310", "Office rent", "expense", "facilities", "debit"),
    ("6320", "Utilities", "expense", "facilities", "debit"),
    ("6330", "Building maintenance and cleaning", "expense", "facilities", "debit"),
    ("6410", "Legal fees", "expense", "professional_fees", "debit"),
    ("6420", "Audit and tax fees", "expense", "professional_fees", "debit"),
    ("6430", "Consulting fees", "expense", "professional_fees", "debit"),
    ("6510", "Travel - transport", "expense", "travel", "debit"),
    ("6520", "Travel - accommodation and meals", "expense", "travel", "debit"),
    ("6610", "Advertising and promotion", "expense", "marketing", "debit"),
    ("6620", "Events and sponsorship", "expense", "marketing", "debit"),
    ("6710", "Training and seminars", "expense", "training", "debit"),
    ("6810", "Office supplies", "expense", "other_opex", "debit"),
    ("6820", "Bank charges", "expense", "other_opex", "debit"),
    ("6830", "Insurance", "expense", "other_opex", "debit"),
    ("6840", "Miscellaneous expenses", "expense", "other_opex", "debit"),
)
COA_COLUMNS = ["account_code", "account_name", "account_type", "category", "normal_balance"]
CASH, AP, SALARIES_PAYABLE, PPH21_PAYABLE, BPJS_PAYABLE, ACCRUED = "1110", "2100", "2210", "2220", "2230", "2300"
AR, CAPITAL, RETAINED, REVENUE = "1200", "3100", "3200", "4100"
SALARIES, EMPLOYER_BPJS, BANK_CHARGES = "6110", "6120", "6820"
ACCOUNT_NAME = {a[0]: a[1] for a in ACCOUNTS}
ACCOUNT_CATEGORY = {a[0]: a[3] for a in ACCOUNTS}
EXPENSE_CATEGORIES = ("personnel", "it", "facilities", "professional_fees", "travel", "marketing", "training",
                      "other_opex")  # fmt: skip

#: finance users; created_by and approved_by always come from different roles (except planted cases)
USERS = {
    "U001": "Finance Director", "U002": "Finance Manager", "U003": "Financial Controller",
    "U004": "AP Supervisor", "U005": "AP Clerk", "U006": "AP Clerk", "U007": "AP Clerk", "U008": "AP Clerk",
    "U009": "GL Accountant", "U010": "GL Accountant", "U011": "Payroll Accountant", "U012": "Treasury Officer",
}  # fmt: skip
#: who may approve what (the generator draws approvers only from here)
APPROVERS = {
    "ap_invoice_below_limit": ("U004", "U003"), "ap_invoice_above_limit": ("U002",),
    "ap_invoice_above_director_limit": ("U001",), "manual_journal": ("U003", "U002"),
    "payroll_journal": ("U003",), "payment": ("U002",), "opening_balance": ("U001",),
}  # fmt: skip
SOURCE_ORDER = {"closing": 0, "payroll": 1, "ap": 2, "bank": 3, "manual": 4}
GL_COLUMNS = ["journal_id", "line_no", "posting_date", "entry_date", "period", "account_code", "department_id",
              "description", "debit_idr", "credit_idr", "source", "reference", "created_by", "approved_by"]  # fmt: skip
LINE_FIELDS = ("j", "date", "account_code", "department_id", "description", "amount", "source", "reference",
               "created_by", "approved_by", "tag", "plant", "note")  # fmt: skip


def chart_of_accounts() -> pd.DataFrame:
    return pd.DataFrame(list(ACCOUNTS), columns=COA_COLUMNS)


def lines(j, date, account, dept, desc, amount, source, ref, created, approved, tag="", plant="", note=""):  # noqa: ANN001
    """Journal lines; ``j`` numbers journals locally, ``amount`` is signed (debit > 0, credit < 0)."""
    j = np.asarray(j)
    return pd.DataFrame(
        {
            "j": j,
            "date": np.broadcast_to(np.asarray(date, dtype="datetime64[D]"), j.shape),
            "account_code": account,
            "department_id": dept,
            "description": desc,
            "amount": np.asarray(amount, dtype=np.int64),
            "source": source,
            "reference": ref,
            "created_by": created,
            "approved_by": approved,
            "tag": tag,
            "plant": plant,
            "note": note,
        }
    )


class Ledger:
    """Collects journals from every builder and numbers them (``JV-YYYYMM-NNNNNN``) in posting order."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        self.next_j = 0

    def add(self, df: pd.DataFrame) -> None:
        if len(df):
            df = df.copy()
            df["j"] = df["j"].to_numpy() + self.next_j
            self.next_j = int(df["j"].max()) + 1
            self.parts.append(df)

    def frame(self) -> pd.DataFrame:
        return pd.concat(self.parts, ignore_index=True)

    def finalise(self, end: np.datetime64) -> pd.DataFrame:
        df = self.frame()
        df = df[(df["amount"] != 0) & (df["date"].to_numpy().astype("datetime64[D]") <= end)]
        df = df.reset_index(drop=True)
        head = df.groupby("j", sort=False).agg(
            date=("date", "first"), source=("source", "first"), reference=("reference", "first")
        )
        head["rank"] = head["source"].map(SOURCE_ORDER)
        head = head.sort_values(["date", "rank", "reference"], kind="stable")
        head["period"] = periods_of(head["date"].to_numpy().astype("datetime64[D]"))
        seq = head.groupby("period", sort=False).cumcount().to_numpy() + 1
        head["journal_id"] = (
            "JV-"
            + head["period"].str.replace("-", "")
            + "-"
            + pd.Series(seq, index=head.index).astype(str).str.zfill(6)
        )
        head["order"] = np.arange(len(head))
        df = df.join(head[["journal_id", "period", "order"]], on="j")
        df["_line"] = np.arange(len(df))
        df = df.sort_values(["order", "_line"], kind="stable").reset_index(drop=True)
        df["line_no"] = df.groupby("journal_id", sort=False).cumcount() + 1
        posting = iso(df["date"].to_numpy().astype("datetime64[D]"))
        amount = df["amount"].to_numpy()
        df["posting_date"] = posting
        df["entry_date"] = posting
        df["debit_idr"] = np.maximum(amount, 0)
        df["credit_idr"] = np.maximum(-amount, 0)
        return df


def payroll_lines(ps: pd.DataFrame, dept_names: dict[str, str]) -> pd.DataFrame:
    """Per run: accrual (Dr salaries / employer BPJS by department; Cr payables) and the net-pay payment
    (Dr salaries payable / Cr bank per department), both on the pay date with reference = run id."""
    ps = ps.sort_values(["period", "department_id"], kind="stable").reset_index(drop=True)
    runs = ps["run_id"].astype(str).to_numpy()
    run_ids, run_no = np.unique(runs, return_inverse=True)
    date = pd.to_datetime(ps["pay_date"]).to_numpy().astype("datetime64[D]")
    dept = ps["department_id"].astype(str).to_numpy()
    name = np.array([dept_names.get(d, d) for d in dept], dtype=object)
    cols = ("gross_cash_idr", "employer_contrib_idr", "employee_bpjs_idr", "pph21_idr", "net_pay_idr")
    g, er, ee, tax, net = (ps[c].to_numpy(dtype=np.int64) for c in cols)
    check = np.bincount(run_no, weights=g - ee - tax - net)
    if np.any(check != 0):
        bad = run_ids[np.flatnonzero(check)[0]]
        raise ValueError(f"payroll summary of {bad} does not balance: gross - employee BPJS - PPh 21 != net pay")
    acc, pay = 2 * run_no, 2 * run_no + 1
    first = np.unique(run_no, return_index=True)[1]
    run_date = date[first]
    tax_run = np.bincount(run_no, weights=tax).astype(np.int64)
    bpjs_run = np.bincount(run_no, weights=ee + er).astype(np.int64)
    parts = [
        lines(acc, date, SALARIES, dept, "Gross salaries " + runs + " " + name, g, "payroll", runs, "U011", "U003"),
        lines(
            acc, date, EMPLOYER_BPJS, dept, "Employer BPJS " + runs + " " + name, er, "payroll", runs, "U011", "U003"
        ),
        lines(acc, date, SALARIES_PAYABLE, "", "Net pay " + runs + " " + name, -net, "payroll", runs, "U011", "U003"),
        lines(
            2 * np.arange(len(run_ids)),
            run_date,
            PPH21_PAYABLE,
            "",
            "PPh 21 withheld " + run_ids,
            -tax_run,
            "payroll",
            run_ids,
            "U011",
            "U003",
        ),
        lines(
            2 * np.arange(len(run_ids)),
            run_date,
            BPJS_PAYABLE,
            "",
            "BPJS employee and employer " + run_ids,
            -bpjs_run,
            "payroll",
            run_ids,
            "U011",
            "U003",
        ),
        lines(
            pay,
            date,
            SALARIES_PAYABLE,
            "",
            "Net pay transfer " + runs + " " + name,
            net,
            "payroll",
            runs,
            "U012",
            "U002",
        ),
        lines(
            pay,
            date,
            CASH,
            "",
            "Net pay transfer " + runs + " " + name,
            -net,
            "payroll",
            runs,
            "U012",
            "U002",
            tag="cash",
        ),
    ]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["j"], kind="stable").reset_index(drop=True)


def statutory_payments(ps: pd.DataFrame, cal: WorkCalendar) -> pd.DataFrame:
    """PPh 21 and BPJS of each payroll month paid on the 10th of the next month (the working day before if the
    10th is not one). A month whose PPh 21 nets to a refund is carried into the next payment.

    Returns one row per payment: date, account_code, amount (positive), reference, description, counterparty."""
    by = ps.groupby("period", sort=True)[["pph21_idr", "employee_bpjs_idr", "employer_contrib_idr"]].sum()
    rows = []
    carry = 0
    for period, r in by.iterrows():
        due = cal.on_or_before(np.array([(np.datetime64(period, "M") + 1).astype("datetime64[D]") + 9]))[0]
        carry += int(r["pph21_idr"])
        if due > cal.end:
            continue
        if carry > 0:
            rows.append((due, PPH21_PAYABLE, carry, f"PPH21-{period}", f"PPh 21 payment {period}", "Kas Negara - DJP"))
            carry = 0
        bpjs = int(r["employee_bpjs_idr"] + r["employer_contrib_idr"])
        if bpjs > 0:
            rows.append(
                (
                    due,
                    BPJS_PAYABLE,
                    bpjs,
                    f"BPJS-{period}",
                    f"BPJS contributions {period}",
                    "BPJS Kesehatan & Ketenagakerjaan",
                )
            )
    cols = ["date", "account_code", "amount", "reference", "description", "counterparty"]
    return pd.DataFrame(rows, columns=cols)


def statutory_lines(stat: pd.DataFrame) -> pd.DataFrame:
    """PPh 21 / BPJS payments (Dr payable / Cr bank, source ``bank``, reference = the payment reference)."""
    j = np.arange(len(stat))
    date, ref, text, amount = (stat[c].to_numpy() for c in ("date", "reference", "description", "amount"))
    return pd.concat(
        [
            lines(j, date, stat["account_code"].to_numpy(), "", text, amount, "bank", ref, "U012", "U002"),
            lines(j, date, CASH, "", text, -amount, "bank", ref, "U012", "U002", tag="cash"),
        ]
    ).sort_values("j", kind="stable")


def ap_lines(inv: pd.DataFrame) -> pd.DataFrame:
    """Invoice receipt (Dr expense / Cr AP on received_date) and payment (Dr AP / Cr bank on paid_date)."""
    n = len(inv)
    ids = inv["invoice_id"].to_numpy()
    text = (inv["vendor_name"] + " " + inv["invoice_no"]).to_numpy()
    creator = inv["created_by"].to_numpy()
    approver = inv["approved_by"].to_numpy()
    approver = np.where((approver == creator) | (approver == ""), np.where(creator == "U004", "U003", "U004"), approver)
    received = inv["received"].to_numpy().astype("datetime64[D]")
    amount = inv["amount"].to_numpy()
    j = 2 * np.arange(n)
    parts = [
        lines(
            j,
            received,
            inv["account_code"].to_numpy(),
            inv["department_id"].to_numpy(),
            text,
            amount,
            "ap",
            ids,
            creator,
            approver,
        ),
        lines(j, received, AP, "", text, -amount, "ap", ids, creator, approver),
    ]
    paid = inv["paid"].notna().to_numpy()
    pj = j[paid] + 1
    pdate = inv["paid"].to_numpy().astype("datetime64[D]")[paid]
    ptext = "Payment " + text[paid]
    parts += [
        lines(pj, pdate, AP, "", ptext, amount[paid], "ap", ids[paid], "U012", "U002"),
        lines(pj, pdate, CASH, "", ptext, -amount[paid], "ap", ids[paid], "U012", "U002", tag="cash"),
    ]
    return pd.concat(parts, ignore_index=True).sort_values("j", kind="stable").reset_index(drop=True)
