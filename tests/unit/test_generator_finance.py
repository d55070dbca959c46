"""Finance part of the demo-company generator: balanced ledger tied to payroll, a bank statement that
reconciles, and planted control exceptions that simple queries find (and nothing else on clean data)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator.finance import FINANCE_ANOMALIES, generate_finance

LIMIT = 50_000_000
HOLIDAYS = [dt.date(2024, 5, 1), dt.date(2024, 8, 17), dt.date(2024, 12, 25), dt.date(2024, 12, 26),
            dt.date(2025, 1, 1), dt.date(2025, 1, 27), dt.date(2025, 3, 31)]  # fmt: skip


# -- a stand-in for generator.context.Context (only the attributes generate_finance may use) ----------------
@dataclass
class FakeConfig:
    employees: int
    months: int
    seed: int
    landing_dir: Path
    answer_key_dir: Path
    anomalies: dict[str, int] = field(default_factory=dict)
    company_name: str = "PT Uji Coba"


class FakeAnswerKey:
    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def add(self, anomaly_type: str, entity: str, key: str, period: str, description: str) -> None:
        self.rows.append({"anomaly_type": anomaly_type, "entity": entity, "key": str(key), "period": period,
                          "description": description})  # fmt: skip


class FakeReference:
    def holidays(self) -> pd.DataFrame:
        return pd.DataFrame({"holiday_date": HOLIDAYS, "kind": "public_holiday"})


@dataclass
class FakeCtx:
    config: FakeConfig
    rng: np.random.Generator
    periods: list[str]
    reference: FakeReference
    answer_key: FakeAnswerKey


def make_ctx(root: Path, employees: int, periods: list[str], seed: int = 42, anomalies=None) -> FakeCtx:  # noqa: ANN001
    cfg = FakeConfig(employees, len(periods), seed, root / "landing", root / "answer_key", dict(anomalies or {}))
    return FakeCtx(cfg, np.random.default_rng(seed), periods, FakeReference(), FakeAnswerKey())


# -- inputs ---------------------------------------------------------------------------------------------------
def pay_date(period: str) -> dt.date:
    d = dt.date.fromisoformat(f"{period}-25")
    while d.weekday() >= 5 or d in HOLIDAYS:
        d -= dt.timedelta(days=1)
    return d


def tiny_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """2 departments × 3 months, by hand; December has a PPh 21 refund in D02 (negative withholding)."""
    departments = pd.DataFrame({
        "department_id": ["D01", "D02"], "department_name": ["Finance", "Sales"], "parent_department_id": ["", "D01"],
        "cost_center": ["CC-100", "CC-200"], "region_code": ["ID-JK", "ID-JK"], "domain": ["finance", "sales"],
    })  # fmt: skip
    employees = pd.DataFrame({
        "employee_id": ["E00001", "E00002", "E00003", "E00004", "E00005"],
        "full_name": ["Ani", "Budi", "Citra", "Dedi", "Eka"],
        "department_id": ["D01", "D01", "D02", "D02", "D02"],
        "bank_account": ["1234567890", "2234567890", "3234567890", "", "5234567890"],
        "tax_id": ["012345678901234", "", "022345678901234", "032345678901234", "042345678901234"],
        "hire_date": ["2020-01-06"] * 5, "termination_date": [""] * 5, "grade": ["G3"] * 5,
    })  # fmt: skip
    rows = []
    for period, pph_d02 in (("2024-11", 410_500), ("2024-12", -640_250), ("2025-01", 395_750)):
        for dept, gross, er, ee, pph in (("D01", 21_500_000, 2_395_100, 860_000, 512_300),
                                         ("D02", 32_250_000, 3_590_250, 1_290_000, pph_d02)):  # fmt: skip
            rows.append({"period": period, "run_id": f"PR-{period}", "pay_date": pay_date(period),
                         "department_id": dept, "gross_cash_idr": gross, "employer_contrib_idr": er,
                         "employee_bpjs_idr": ee, "pph21_idr": pph, "net_pay_idr": gross - ee - pph})  # fmt: skip
    return departments, employees, pd.DataFrame(rows)


def medium_inputs(n_emp: int = 400, periods: list[str] | None = None) -> tuple[pd.DataFrame, ...]:
    """8 departments, 400 people, 12 months of a simple payroll summary."""
    rng = np.random.default_rng(5)
    periods = periods or [str(np.datetime64("2024-01") + i) for i in range(12)]
    domains = ["executive", "finance", "hr", "it", "sales", "operations", "legal", "sales"]
    departments = pd.DataFrame({
        "department_id": [f"D{i + 1:02d}" for i in range(8)], "department_name": [f"Dept {i + 1}" for i in range(8)],
        "parent_department_id": [""] + ["D01"] * 7, "cost_center": [f"CC-{100 + i}" for i in range(8)],
        "region_code": "ID-JK", "domain": domains,
    })  # fmt: skip
    employees = pd.DataFrame({
        "employee_id": [f"E{i + 1:05d}" for i in range(n_emp)], "full_name": [f"Orang {i}" for i in range(n_emp)],
        "department_id": departments["department_id"].to_numpy()[rng.integers(0, 8, n_emp)],
        "bank_account": [str(v) for v in rng.integers(10**9, 10**10, n_emp)],
        "tax_id": [str(v).zfill(15) for v in rng.integers(10**13, 10**14, n_emp)],
        "hire_date": "2020-01-06", "termination_date": "", "grade": "G3",
    })  # fmt: skip
    heads = employees["department_id"].value_counts()
    rows = []
    for p in periods:
        for d in departments["department_id"]:
            gross = int(heads.get(d, 1) * 9_000_000 * rng.lognormal(0, 0.05))
            ee, pph = gross // 33, (gross // 20 if not p.endswith("-12") else -(gross // 60))
            rows.append({"period": p, "run_id": f"PR-{p}", "pay_date": pay_date(p), "department_id": d,
                         "gross_cash_idr": gross, "employer_contrib_idr": gross // 9, "employee_bpjs_idr": ee,
                         "pph21_idr": pph, "net_pay_idr": gross - ee - pph})  # fmt: skip
    return departments, employees, pd.DataFrame(rows)


@dataclass
class Run:
    ctx: FakeCtx
    counts: dict[str, int]
    departments: pd.DataFrame
    employees: pd.DataFrame
    payroll: pd.DataFrame

    @property
    def root(self) -> Path:
        return self.ctx.config.landing_dir / "finance"

    def read(self, pattern: str) -> pd.DataFrame:
        files = sorted(self.root.glob(pattern))
        return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)

    @property
    def gl(self) -> pd.DataFrame:
        gl = self.read("gl/gl_entries_*.csv")
        return gl.assign(debit_idr=gl["debit_idr"].astype(np.int64), credit_idr=gl["credit_idr"].astype(np.int64))

    @property
    def bank(self) -> pd.DataFrame:
        bank = self.read("bank/bank_transactions_*.csv")
        return bank.assign(amount_idr=bank["amount_idr"].astype(np.int64))

    @property
    def invoices(self) -> pd.DataFrame:
        inv = self.read("ap_invoices.csv")
        return inv.assign(amount_idr=inv["amount_idr"].astype(np.int64))

    def planted(self, anomaly_type: str) -> set[str]:
        return {r["key"] for r in self.ctx.answer_key.rows if r["anomaly_type"] == anomaly_type}


def run(root: Path, inputs: tuple, employees: int, periods: list[str], **kw) -> Run:  # noqa: ANN003
    ctx = make_ctx(root, employees, periods, **kw)
    return Run(ctx, generate_finance(ctx, *inputs), *inputs)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Run:
    anomalies = dict.fromkeys(FINANCE_ANOMALIES, 1)
    return run(tmp_path_factory.mktemp("tiny"), tiny_inputs(), 25, ["2024-11", "2024-12", "2025-01"],
               anomalies=anomalies)  # fmt: skip


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Run:
    periods = [str(np.datetime64("2024-01") + i) for i in range(12)]
    return run(tmp_path_factory.mktemp("medium"), medium_inputs(periods=periods), 400, periods)


@pytest.fixture(params=["tiny", "medium"])
def any_run(request: pytest.FixtureRequest) -> Run:
    return request.getfixturevalue(request.param)


# -- simple control queries (what the warehouse controls will do, in pandas) -----------------------------------
def days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (pd.to_datetime(a) - pd.to_datetime(b)).dt.days


def pairs(inv: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    m = inv.merge(inv, on=on, suffixes=("", "_o"))
    return m[m["invoice_id"] != m["invoice_id_o"]]


def find_exact_duplicates(inv: pd.DataFrame) -> set[str]:
    paid = inv[inv["paid_date"] != ""].sort_values("invoice_id")
    return set(paid[paid.duplicated(["vendor_id", "invoice_no", "amount_idr"])]["invoice_id"])


def instalments(inv: pd.DataFrame) -> set[str]:
    """Invoices of a recurring bill: the vendor billed the same amount in 3 months or more, and in the month before
    or after this one 25-35 days away."""
    months = inv.assign(month=inv["invoice_date"].str[:7]).groupby(["vendor_id", "amount_idr"])["month"].nunique()
    m = pairs(inv, ["vendor_id", "amount_idr"])
    month_gap = (pd.to_datetime(m["invoice_date"]).dt.to_period("M") - pd.to_datetime(m["invoice_date_o"])
                 .dt.to_period("M")).apply(lambda x: abs(x.n))  # fmt: skip
    m = m[(month_gap == 1) & days(m["invoice_date"], m["invoice_date_o"]).abs().between(25, 35)]
    m = m[[months[(v, a)] >= 3 for v, a in zip(m["vendor_id"], m["amount_idr"], strict=True)]]
    return set(m["invoice_id"])


def find_near_duplicates(inv: pd.DataFrame) -> set[str]:
    m = pairs(inv, ["vendor_id"])
    m = m[(m["invoice_no"] != m["invoice_no_o"]) & (m["invoice_id"] > m["invoice_id_o"])]
    rel = (m["amount_idr"] - m["amount_idr_o"]).abs() / np.minimum(m["amount_idr"], m["amount_idr_o"])
    m = m[(days(m["invoice_date"], m["invoice_date_o"]).abs() <= 30) & (rel <= 0.05)]
    monthly = m["invoice_id"].isin(instalments(inv)) & (m["invoice_date"].str[:7] != m["invoice_date_o"].str[:7])
    return set(m[~monthly]["invoice_id"])


def find_cross_vendor_duplicates(inv: pd.DataFrame) -> set[str]:
    m = pairs(inv, ["invoice_no", "amount_idr"])
    m = m[(m["vendor_id"] != m["vendor_id_o"]) & (m["received_date"] > m["received_date_o"])]
    return set(m["invoice_id"])


def find_splits(inv: pd.DataFrame, strict: bool) -> set[str]:
    """strict: pairs of items ≥ 90 % of the limit by the same vendor and clerk; broad (the rule as the literature
    states it): every group of items below the limit of one vendor within 7 days of the group's first one, whose
    sum is above the limit, whoever entered them."""
    if strict:
        c = inv[(inv["amount_idr"] >= 0.9 * LIMIT) & (inv["amount_idr"] < LIMIT)]
        m = pairs(c, ["vendor_id", "created_by"])
        m = m[(days(m["invoice_date"], m["invoice_date_o"]).abs() <= 7)
              & (m["amount_idr"] + m["amount_idr_o"] > LIMIT)]  # fmt: skip
        return set(m["invoice_id"])
    c = inv[inv["amount_idr"] < LIMIT].assign(day=pd.to_datetime(inv["invoice_date"]))
    found: set[str] = set()
    for _, g in c.groupby("vendor_id"):
        for start in g["day"]:
            group = g[(g["day"] >= start) & (g["day"] <= start + pd.Timedelta(days=7))]
            if len(group) >= 2 and group["amount_idr"].sum() > LIMIT:
                found |= set(group["invoice_id"])
    return found


def non_working(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    return (d.dt.day_of_week >= 5) | d.dt.date.isin(HOLIDAYS)


def reconcile(bank: pd.DataFrame, gl: pd.DataFrame) -> tuple[set[str], pd.DataFrame]:
    """Pass 1: same reference (one bank line to one or many ledger lines, equal total, ≤ 3 days apart);
    pass 2: blank references, same amount, bank 0–3 days before the ledger. Returns unmatched bank ids and
    unmatched ledger cash lines (the opening balance is not a movement)."""
    bank, gl = bank.reset_index(drop=True), gl.reset_index(drop=True)
    cash = gl[(gl["account_code"] == "1110") & (gl["source"] != "closing")].copy()
    cash["amt"] = cash["debit_idr"] - cash["credit_idr"]
    by_ref = cash[cash["reference"] != ""].groupby("reference").agg(amt=("amt", "sum"), date=("posting_date", "min"))
    b = bank.join(by_ref, on="reference")
    ok1 = (b["reference"] != "") & (b["amt"] == b["amount_idr"]) & days(b["txn_date"], b["date"]).between(0, 3)
    rest = cash[cash["reference"] == ""].reset_index()
    m = b[~ok1].reset_index().merge(rest, left_on="amount_idr", right_on="amt", suffixes=("", "_g"))
    m = m[days(m["posting_date"], m["txn_date"]).between(0, 3)].drop_duplicates("index").drop_duplicates("index_g")
    matched = set(b.loc[ok1, "bank_txn_id"]) | set(m["bank_txn_id"])
    gl_open = cash[(cash["reference"] != "") & ~cash["reference"].isin(b.loc[ok1, "reference"])]
    gl_open = pd.concat([gl_open, rest[~rest["index"].isin(m["index_g"])]])
    return set(bank["bank_txn_id"]) - matched, gl_open


# -- tests ----------------------------------------------------------------------------------------------------
def test_files_and_row_counts(tiny: Run) -> None:
    monthly = {f"finance/{d}/{f}_{p.replace('-', '_')}.csv" for p in tiny.ctx.periods
               for d, f in (("gl", "gl_entries"), ("bank", "bank_transactions"))}  # fmt: skip
    expected = monthly | {"finance/chart_of_accounts.csv", "finance/vendors.csv", "finance/ap_invoices.csv",
                          "finance/budgets.csv"}  # fmt: skip
    assert set(tiny.counts) == expected
    for rel, n in tiny.counts.items():
        assert len(pd.read_csv(tiny.ctx.config.landing_dir / rel, dtype=str)) == n, rel
    coa = pd.read_csv(tiny.root / "chart_of_accounts.csv", dtype=str)
    assert list(coa.columns) == ["account_code", "account_name", "account_type", "category", "normal_balance"]
    assert {"1110", "2100", "2210", "2220", "2230", "2300", "4100"} <= set(coa["account_code"])
    assert set(tiny.gl["account_code"]) <= set(coa["account_code"])


def test_every_journal_balances(any_run: Run) -> None:
    gl = any_run.gl
    sums = gl.groupby("journal_id")[["debit_idr", "credit_idr"]].sum()
    assert (sums["debit_idr"] == sums["credit_idr"]).all()
    assert ((gl["debit_idr"] > 0) ^ (gl["credit_idr"] > 0)).all()  # one side per line, never zero
    assert not gl.duplicated(["journal_id", "line_no"]).any()
    assert (gl["period"] == gl["posting_date"].str[:7]).all()
    assert (gl["created_by"].str.fullmatch(r"U0(0[1-9]|1[0-2])")).all()


def test_payroll_journals_equal_the_payroll_summary(any_run: Run) -> None:
    gl, ps = any_run.gl, any_run.payroll
    pay = gl[(gl["source"] == "payroll") & (gl["reference"].str.startswith("PR-"))]
    net = (pay["credit_idr"] - pay["debit_idr"]).groupby([pay["reference"], pay["account_code"]]).sum()
    want = ps.groupby("run_id")[["gross_cash_idr", "employer_contrib_idr", "employee_bpjs_idr", "pph21_idr",
                                 "net_pay_idr"]].sum()  # fmt: skip
    for run_id, w in want.iterrows():
        assert -net[(run_id, "6110")] == w["gross_cash_idr"]
        assert -net[(run_id, "6120")] == w["employer_contrib_idr"]
        assert net[(run_id, "2220")] == w["pph21_idr"]
        assert net[(run_id, "2230")] == w["employee_bpjs_idr"] + w["employer_contrib_idr"]
        assert net[(run_id, "1110")] == w["net_pay_idr"]  # paid out of the bank
        assert net[(run_id, "2210")] == 0  # accrued and paid on the pay date
        dates = pay.loc[pay["reference"] == run_id, "posting_date"].unique()
        assert list(dates) == [ps.loc[ps["run_id"] == run_id, "pay_date"].iloc[0].isoformat()]
    # salaries are booked per department
    exp = pay[pay["account_code"] == "6110"].groupby(["reference", "department_id"])["debit_idr"].sum()
    assert exp.to_dict() == ps.set_index(["run_id", "department_id"])["gross_cash_idr"].to_dict()


def test_statutory_payables_are_paid_on_the_10th_and_refunds_carry_over(tiny: Run) -> None:
    gl = tiny.gl
    tax = gl[(gl["account_code"] == "2220") & (gl["source"] == "bank")]
    # Nov is paid in Dec; Dec nets to a refund (D02 negative) so nothing is paid in Jan (the refund is carried
    # into the next payment); Jan's payment falls after the extract date.
    assert list(tax["reference"]) == ["PPH21-2024-11"]
    assert tax["posting_date"].iloc[0] == "2024-12-10"
    nov = tiny.payroll[tiny.payroll["period"] == "2024-11"]
    assert tax["debit_idr"].iloc[0] == nov["pph21_idr"].sum()
    bpjs = gl[(gl["account_code"] == "2230") & (gl["source"] == "bank")]
    assert list(bpjs["reference"]) == ["BPJS-2024-11", "BPJS-2024-12"]
    assert bpjs["posting_date"].tolist() == ["2024-12-10", "2025-01-10"]


def test_each_payroll_run_has_one_bank_line_for_the_net_pay(any_run: Run) -> None:
    bank, ps = any_run.bank, any_run.payroll
    for run_id, g in ps.groupby("run_id"):
        lines = bank[bank["reference"] == run_id]
        assert len(lines) == 1
        assert lines["amount_idr"].iloc[0] == -g["net_pay_idr"].sum()
        assert lines["txn_date"].iloc[0] == g["pay_date"].iloc[0].isoformat()
    assert (bank["bank_account_id"] == "BCA-OPS").all()
    assert bank["bank_txn_id"].is_unique


def test_every_paid_invoice_has_exactly_one_bank_line(any_run: Run) -> None:
    inv, bank = any_run.invoices, any_run.bank
    paid = inv[inv["paid_date"] != ""]
    lines = bank[bank["reference"].isin(paid["invoice_id"])]
    assert lines["reference"].is_unique and len(lines) == len(paid)
    joined = paid.merge(lines, left_on="invoice_id", right_on="reference")
    assert (joined["amount_idr_y"] == -joined["amount_idr_x"]).all()
    assert (joined["payment_reference"] == joined["bank_txn_id"]).all()
    assert days(joined["txn_date"], joined["paid_date"]).between(0, 3).all()
    assert (inv.loc[inv["paid_date"] == "", "payment_reference"] == "").all()


def test_bank_reconciles_except_the_planted_unmatched_lines(any_run: Run) -> None:
    bank = any_run.bank
    nonblank = bank[bank["reference"] != ""]
    assert nonblank["reference"].is_unique
    unmatched, gl_open = reconcile(bank, any_run.gl)
    assert unmatched == any_run.planted("unmatched_bank_line")
    assert gl_open.empty  # every ledger cash movement is on the statement
    fee = bank[bank["description"].str.startswith("BIAYA")]
    assert len(fee) == len(any_run.ctx.periods) and (fee["reference"] == "").all()


def test_invoice_dates_and_approvals(medium: Run) -> None:
    inv = medium.invoices
    planted = set().union(*(medium.planted(t) for t in ("invoice_paid_before_received", "duplicate_invoice_exact",
                                                        "duplicate_invoice_cross_vendor")))  # fmt: skip
    clean = inv[~inv["invoice_id"].isin(planted)]
    assert days(clean["received_date"], clean["invoice_date"]).between(0, 8).all()
    approved = inv[inv["approved_date"] != ""]
    assert days(approved["approved_date"], approved["received_date"]).between(1, 13).all()
    assert (days(inv["due_date"], inv["invoice_date"]) == 30).all()
    paid = clean[clean["paid_date"] != ""]
    assert (paid["paid_date"] > paid["approved_date"]).all()
    late = (paid["paid_date"] > paid["due_date"]).mean()
    assert 0.04 < late < 0.18
    assert (paid["paid_date"].str[:7] > paid["invoice_date"].str[:7]).any()  # some paid the next month
    assert (inv["paid_date"] == "").sum() > 0  # some still open at the extract date
    big = inv[(inv["amount_idr"] >= LIMIT) & (inv["approved_by"] != "")]
    assert big["approved_by"].isin(["U001", "U002"]).all()
    assert not non_working(inv["received_date"]).any()
    first = inv["amount_idr"].astype(str).str[0].astype(int).value_counts(normalize=True).sort_index()
    benford = np.log10(1 + 1 / np.arange(1, 10))
    assert np.abs(first.to_numpy() - benford).mean() < 0.015  # within Nigrini's "marginal" band at least
    assert inv["amount_idr"].max() / inv["amount_idr"].min() > 1e4


def test_vendors(medium: Run) -> None:
    vendors = pd.read_csv(medium.root / "vendors.csv", dtype=str, keep_default_na=False)
    assert 50 <= len(vendors) <= 80
    assert vendors["vendor_id"].is_unique and vendors["tax_id"].is_unique and vendors["bank_account"].is_unique
    assert set(vendors["category"]) == {"it", "facilities", "professional_fees", "travel", "marketing", "training",
                                        "other_opex"}  # fmt: skip
    assert not vendors["tax_id"].isin(medium.employees["tax_id"]).any()


def test_manual_journals_are_clean_apart_from_planted(any_run: Run) -> None:
    gl = any_run.gl
    manual = gl[gl["source"] == "manual"]
    planted = set().union(*(any_run.planted(t) for t in ("round_amount_journal", "weekend_journal",
                                                         "sod_journal_creator_approver")))  # fmt: skip
    clean = manual[~manual["journal_id"].isin(planted)]
    assert len(clean["journal_id"].unique()) >= 3 * len(any_run.ctx.periods)
    assert (clean["created_by"] != clean["approved_by"]).all()
    assert not non_working(clean["posting_date"]).any()
    assert not ((clean["debit_idr"] > 0) & (clean["debit_idr"] % 1_000_000 == 0)).any()
    assert not non_working(gl.loc[~gl["journal_id"].isin(planted), "posting_date"]).any()


def test_planted_anomalies_are_in_the_answer_key_and_found_by_simple_queries(any_run: Run) -> None:
    inv, gl, bank = any_run.invoices, any_run.gl, any_run.bank
    vendors = pd.read_csv(any_run.root / "vendors.csv", dtype=str, keep_default_na=False)
    manual = gl[gl["source"] == "manual"]
    found = {
        "duplicate_invoice_exact": find_exact_duplicates(inv),
        "duplicate_invoice_cross_vendor": find_cross_vendor_duplicates(inv),
        "sod_invoice_creator_approver": set(inv.loc[inv["created_by"] == inv["approved_by"], "invoice_id"]),
        "sod_journal_creator_approver": set(gl.loc[gl["created_by"] == gl["approved_by"], "journal_id"]),
        "split_invoice": find_splits(inv, strict=True),
        "round_amount_journal": set(manual.loc[(manual["debit_idr"] > 0) & (manual["debit_idr"] % 10_000_000 == 0),
                                               "journal_id"]),  # fmt: skip
        "weekend_journal": set(manual.loc[non_working(manual["posting_date"]), "journal_id"]),
        "employee_vendor_bank_match": set(vendors.loc[vendors["bank_account"].isin(
            any_run.employees["bank_account"]), "vendor_id"]),  # fmt: skip
        "invoice_paid_before_received": set(inv.loc[(inv["paid_date"] != "")
                                                    & (inv["paid_date"] < inv["received_date"]), "invoice_id"]),
        "unmatched_bank_line": reconcile(bank, gl)[0],
    }  # fmt: skip
    for anomaly_type, keys in found.items():
        assert keys and keys == any_run.planted(anomaly_type), anomaly_type
    # near duplicates: the planted ones and the recurring bill billed twice in a month; the recurring bill itself
    # (the same amount every month) is not one
    recurring = instalments(inv)
    assert len(recurring) >= len(any_run.ctx.periods) - 1
    assert find_near_duplicates(inv) == any_run.planted("duplicate_invoice_near") | any_run.planted(
        "duplicate_recurring_bill")  # fmt: skip
    assert any_run.planted("duplicate_invoice_near") and any_run.planted("duplicate_recurring_bill")
    # splits as the literature states them find the planted splits only: those just below the limit and the one of
    # pieces well below it
    assert any_run.planted("split_invoice_small_pieces")
    assert find_splits(inv, strict=False) == any_run.planted("split_invoice") | any_run.planted(
        "split_invoice_small_pieces")  # fmt: skip
    key = pd.DataFrame(any_run.ctx.answer_key.rows)
    assert set(key["period"]) <= set(any_run.ctx.periods)
    assert key["key"].is_unique
    entity = {"ap_invoices": inv["invoice_id"], "gl_entries": gl["journal_id"], "vendors": vendors["vendor_id"],
              "bank_transactions": bank["bank_txn_id"]}  # fmt: skip
    for r in key.itertuples():
        assert r.key in set(entity[r.entity]), r
    # the period is that of the invoice date / posting date / statement date
    for r in key[key["entity"] == "ap_invoices"].itertuples():
        assert inv.loc[inv["invoice_id"] == r.key, "invoice_date"].iloc[0][:7] == r.period


def test_planted_counts_follow_the_config(medium: Run, tmp_path: Path) -> None:
    counts = pd.DataFrame(medium.ctx.answer_key.rows)["anomaly_type"].value_counts()
    for anomaly_type, n in FINANCE_ANOMALIES.items():
        if not anomaly_type.startswith("split_invoice"):
            assert counts[anomaly_type] == n
    assert counts["split_invoice"] == 5  # 2 groups: one of 2 invoices, one of 3
    assert counts["split_invoice_small_pieces"] == 2  # 1 group of 2 invoices
    none = run(tmp_path, medium_inputs(), 400, medium.ctx.periods, anomalies=dict.fromkeys(FINANCE_ANOMALIES, 0))
    assert none.ctx.answer_key.rows == []
    assert reconcile(none.bank, none.gl)[0] == set()


def test_budgets_are_close_to_actuals(medium: Run) -> None:
    budgets = pd.read_csv(medium.root / "budgets.csv", dtype={"budget_idr": np.int64, "fiscal_year": int})
    assert not budgets.duplicated(["fiscal_year", "period", "department_id", "account_category"]).any()
    assert set(budgets["account_category"]) == {"personnel", "it", "facilities", "professional_fees", "travel",
                                                "marketing", "training", "other_opex"}  # fmt: skip
    gl = medium.gl
    expense = gl[gl["account_code"].str.startswith("6")]
    actual = (expense["debit_idr"] - expense["credit_idr"]).sum()
    assert 0.9 < budgets["budget_idr"].sum() / actual < 1.1
    personnel = budgets[budgets["account_category"] == "personnel"]["budget_idr"].sum()
    wage_cost = medium.payroll[["gross_cash_idr", "employer_contrib_idr"]].to_numpy().sum()
    assert 0.97 < personnel / wage_cost < 1.05


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    def digest(r: Run) -> dict[str, str]:
        return {str(p.relative_to(r.root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(r.root.rglob("*.csv"))}  # fmt: skip

    periods = ["2024-11", "2024-12", "2025-01"]
    a = run(tmp_path / "a", tiny_inputs(), 25, periods, seed=7)
    b = run(tmp_path / "b", tiny_inputs(), 25, periods, seed=7)
    c = run(tmp_path / "c", tiny_inputs(), 25, periods, seed=8)
    assert digest(a) == digest(b)
    assert a.ctx.answer_key.rows == b.ctx.answer_key.rows
    assert digest(a) != digest(c)


def test_unbalanced_payroll_summary_is_rejected(tmp_path: Path) -> None:
    departments, employees, ps = tiny_inputs()
    ps.loc[0, "net_pay_idr"] += 1
    with pytest.raises(ValueError, match="does not balance"):
        run(tmp_path, (departments, employees, ps), 25, ["2024-11", "2024-12", "2025-01"])
