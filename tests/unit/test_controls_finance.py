"""Finance internal controls on a tiny ledger, invoice register, bank statement and vendor master, through the real
finance core models: each rule gets one planted case and a legitimate look-alike, worked out by hand. Split purchases
as the literature defines them (any pieces below the limit), duplicates across vendors and recurring bills (not near
duplicates of each other) are issue 17's.

The data is January 2025 (the reporting window ends with the last attendance day, 2025-01-31). The first approval
limit is Rp50,000,000 (assets/finance/config/approval_limits.csv). 2025-01-11 is a Saturday, 2025-01-28 a
collective-leave day and 2025-01-29 a public holiday (Chinese New Year) in reference.holidays.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fixtures.warehouse import (
    create_chart_of_accounts,
    create_finance_company,
    create_staging,
    load_reference,
    run_models,
)

from assets.controls.runner import build_controls
from assets.finance.config import write_finance_config
from pipelines.settings import Settings

D = dt.date.fromisoformat
SETTINGS = Settings(reporting_months=1)
MODELS = (
    "assets/hr/sql/reporting_window.sql",
    "assets/hr/sql/dim_date.sql",
    "assets/hr/sql/dim_period.sql",
    "assets/finance/sql/dim_account.sql",
    "assets/finance/sql/fct_ap_invoice.sql",
    "assets/finance/sql/fct_gl_line.sql",
    "assets/finance/sql/fct_bank_transaction.sql",
    "assets/finance/sql/fct_bank_match.sql",
    "assets/finance/sql/finance_bank_unmatched_items.sql",
)
CHART = [("1110", "Cash at bank", "asset", "cash"), ("2100", "Accounts payable", "liability", "payables"),
         ("2300", "Accrued expenses", "liability", "accruals"), ("3100", "Share capital", "equity", "equity"),
         ("6110", "Salaries", "expense", "personnel"),
         ("6430", "Consulting fees", "expense", "professional_fees")]  # fmt: skip


def invoice(iid, vendor, number, amount, day, *, received=None, paid=None, created="U005", approved="U004"):
    day = D(day)
    return {"invoice_id": iid, "vendor_id": vendor, "invoice_no": number, "amount_idr": amount, "invoice_date": day,
            "received_date": D(received) if received else day + dt.timedelta(days=1),
            "approved_date": day + dt.timedelta(days=2),
            "paid_date": D(paid) if paid else day + dt.timedelta(days=10), "due_date": day + dt.timedelta(days=30),
            "department_id": "D1", "account_code": "6430", "created_by": created, "approved_by": approved}  # fmt: skip


INVOICES = [
    invoice("I01", "V1", "A-1", 5_000_000, "2025-01-03", received="2025-01-06"),
    invoice("I02", "V1", " a-1", 5_000_000, "2025-01-03", received="2025-01-20", paid="2025-01-27"),  # planted: copy
    # not an exact duplicate (another vendor), but the same number and amount entered under V2 after V1's two:
    # planted cross-vendor duplicate
    invoice("I03", "V2", "A-1", 5_000_000, "2025-01-03", received="2025-01-21", paid="2025-01-27"),
    invoice("I04", "V3", "N-1", 10_000_000, "2025-01-02"),
    # planted: 28 days after I04, 400,000 apart <= 5% of 10,000,000 = 500,000
    invoice("I05", "V3", "N-2", 10_400_000, "2025-01-30"),
    invoice("I06", "V4", "M-1", 10_000_000, "2024-12-02"),
    invoice("I07", "V4", "M-2", 10_000_000, "2025-01-07"),  # look-alike: same amount, 36 days later (> 30)
    invoice("I08", "V5", "S-1", 1_000_000, "2025-01-06", created="U005", approved="U005"),  # planted: self-approved
    invoice("I09", "V5", "S-2", 2_000_000, "2025-01-06", created="U005", approved="U004"),  # look-alike
    # planted split: V6, one clerk, 3 days apart, both >= 90% of the limit (45,000,000) and below it, together
    # 92,500,000 > 50,000,000
    invoice("I10", "V6", "P-1", 45_100_000, "2025-01-13", created="U006"),
    invoice("I11", "V6", "P-2", 47_400_000, "2025-01-16", created="U006"),
    # look-alike: the same vendor pattern 11 days apart (window 7 days); 3,000,000 apart, not a near duplicate
    invoice("I12", "V7", "Q-1", 45_500_000, "2025-01-06", created="U006"),
    invoice("I13", "V7", "Q-2", 48_500_000, "2025-01-17", created="U006"),
    invoice("I14", "V8", "R-1", 3_000_000, "2025-01-15", received="2025-01-20", paid="2025-01-17"),  # planted
    invoice("I15", "V8", "R-2", 7_000_000, "2025-01-15", received="2025-01-20", paid="2025-01-20"),  # look-alike
    # look-alike (cross-vendor): V3's number N-1 on a V9 invoice, but another amount
    invoice("I16", "V9", "N-1", 9_000_000, "2025-01-20"),
    # planted split as the literature defines it: 30,000,000 + 31,000,000 = 61,000,000 > 50,000,000, two days
    # apart, each well below 90% of the limit, entered by two clerks
    invoice("I17", "V10", "T-1", 30_000_000, "2025-01-20", created="U005"),
    invoice("I18", "V10", "T-2", 31_000_000, "2025-01-22", created="U007"),
    # look-alikes: 30,000,000 + 19,000,000 = 49,000,000 is not above the limit; 52,000,000 is above it itself
    # (not a piece), and beside it 10,000,000 alone is no group
    invoice("I19", "V11", "U-1", 30_000_000, "2025-01-20"),
    invoice("I20", "V11", "U-2", 19_000_000, "2025-01-21"),
    invoice("I21", "V12", "W-1", 52_000_000, "2025-01-20", approved="U002"),
    invoice("I22", "V12", "W-2", 10_000_000, "2025-01-21"),
    # look-alike (near duplicates): V13's office lease, 12,500,000 each month, 29 and 31 days apart
    invoice("I23", "V13", "L-2411", 12_500_000, "2024-11-04"),
    invoice("I24", "V13", "L-2412", 12_500_000, "2024-12-03"),
    invoice("I25", "V13", "L-2501", 12_500_000, "2025-01-03"),
    # V14's subscription, 2,750,000 monthly, billed a second time on 16 January: planted (10 days after the 6th)
    invoice("I26", "V14", "S24-11", 2_750_000, "2024-11-05"),
    invoice("I27", "V14", "S24-12", 2_750_000, "2024-12-05"),
    invoice("I28", "V14", "S25-01", 2_750_000, "2025-01-06"),
    invoice("I29", "V14", "S25-01B", 2_750_000, "2025-01-16"),
    # two months of one amount are not a recurring bill: 28 days apart in consecutive months, planted
    invoice("I30", "V15", "X-1", 8_000_000, "2024-12-20"),
    invoice("I31", "V15", "X-2", 8_000_000, "2025-01-17"),
]


def journal(journal_id, day, lines, source, *, created="U009", approved="U003", reference=None):
    return [{"journal_id": journal_id, "line_no": n, "posting_date": D(day), "account_code": account,
             "department_id": "D1" if account.startswith("6") else None, "debit_idr": max(amount, 0),
             "credit_idr": max(-amount, 0), "source": source, "reference": reference, "created_by": created,
             "approved_by": approved, "description": f"{journal_id} {source}"}
            for n, (account, amount) in enumerate(lines, start=1)]  # fmt: skip


def accrual(journal_id, day, amount, **kw):
    return journal(journal_id, day, [("6430", amount), ("2300", -amount)], "manual", **kw)


LEDGER = [
    *journal("J00", "2025-01-02", [("1110", 500_000_000), ("3100", -500_000_000)], "closing", reference="OPENING"),
    *accrual("J01", "2025-01-14", 7_768_041, created="U009", approved="U009"),  # planted: self-approved journal
    *accrual("J02", "2025-01-14", 4_998_590, created="U009", approved="U003"),  # look-alike
    # planted: a supplier payment (credits the bank account) created and approved by the same user
    *journal("J03", "2025-01-15", [("2100", 3_000_000), ("1110", -3_000_000)], "ap", created="U012", approved="U012",
             reference="PAY-1"),
    *accrual("J04", "2025-01-20", 20_000_000),  # planted: a round Rp20,000,000 manual journal
    *accrual("J05", "2025-01-20", 20_000_123),  # look-alike: not a whole million
    # look-alike: a round payroll journal (round_amount_sources is manual only)
    *journal("J06", "2025-01-24", [("6110", 30_000_000), ("2300", -30_000_000)], "payroll", created="U011"),
    *accrual("J07", "2025-01-11", 1_234_567),  # planted: posted on a Saturday
    *accrual("J08", "2025-01-13", 1_234_568),  # look-alike: the Monday after
    *accrual("J09", "2025-01-29", 2_345_678),  # planted: posted on a public holiday
    *accrual("J10", "2025-01-28", 3_456_789),  # planted: posted on a collective-leave day (included by default)
    *journal("J11", "2025-01-31", [("2100", 1_000_000), ("1110", -1_000_000)], "ap", created="U012", approved="U002",
             reference="PAY-2"),
]  # fmt: skip

STATEMENT = [
    {"bank_txn_id": "B1", "txn_date": D("2025-01-15"), "amount_idr": -3_000_000, "reference": "PAY-1"},
    {"bank_txn_id": "B2", "txn_date": D("2025-01-08"), "amount_idr": -3_500_000, "description": "TRF ONLINE",
     "counterparty": "Rina"},  # planted: no ledger entry, 23 days old on 2025-01-31
    {"bank_txn_id": "B3", "txn_date": D("2025-01-29"), "amount_idr": -45_000, "description": "BIAYA ADM"},  # 2 days
    {"bank_txn_id": "B4", "txn_date": D("2025-01-31"), "amount_idr": -1_000_000, "reference": "PAY-2"},
]  # fmt: skip

EMPLOYEES = [{"employee_id": "E1", "hire_date": D("2020-01-01"), "department_id": "D1", "bank_account": "012-137-3566"}]
VENDORS = [
    {"vendor_id": "V1", "vendor_name": "PT Satu", "tax_id": "011111111111000", "bank_account": "8000000001"},
    {"vendor_id": "V2", "vendor_name": "PT Dua", "tax_id": "022222222222000", "bank_account": "8000000002"},
    # planted: paid into employee E1's account (written without separators)
    {"vendor_id": "V9", "vendor_name": "PT Sembilan", "tax_id": "099999999999000", "bank_account": "0121373566"},
    # look-alike: one digit different
    {"vendor_id": "V10", "vendor_name": "PT Sepuluh", "tax_id": "010101010101000", "bank_account": "0121373567"},
    # planted: two vendors with one tax id (formatted differently)
    {"vendor_id": "V11", "vendor_name": "PT Sebelas", "tax_id": "01.234.567.8-901.000", "bank_account": "8000000011"},
    {"vendor_id": "V12", "vendor_name": "CV Sebelas", "tax_id": "012345678901000", "bank_account": "8000000012"},
]  # fmt: skip
FAMILIES = ["int_findings__ap_invoices", "int_findings__journals", "int_findings__bank", "int_findings__vendors"]


@pytest.fixture(scope="module")
def findings():
    import duckdb

    con = duckdb.connect()
    create_finance_company(con, hired=D("2020-01-01"), last_day=D("2025-01-31"))
    create_staging(con, "hris__departments", [{"department_id": "D1", "department_name": "D1"}])
    create_staging(con, "hris__employees", EMPLOYEES)
    create_chart_of_accounts(con, CHART)
    create_staging(con, "erp__ap_invoices", INVOICES)
    create_staging(con, "erp__gl_entries", LEDGER)
    create_staging(con, "erp__bank_transactions", [{"bank_account_id": "BCA-OPS", **b} for b in STATEMENT])
    create_staging(con, "erp__vendors", VENDORS)
    run_models(con, SETTINGS, *MODELS)
    build_controls(con, SETTINGS, names=FAMILIES)
    rows = {}
    for family in FAMILIES:
        cursor = con.execute(f"select * from core.{family}")
        names = [d[0] for d in cursor.description]
        for r in cursor.fetchall():
            row = dict(zip(names, r, strict=True))
            rows.setdefault(row["control_code"], {})[row["entity_key"]] = row
    yield rows
    con.close()


@pytest.fixture
def ap_rules(monkeypatch):
    """The AP rules over a subset of the invoices, with registry parameters overridden; returns the flagged keys of
    one rule."""

    def rerun(invoice_ids, code, extra=(), **parameters):
        import duckdb

        from assets.controls import registry

        rules = tuple(r.model_copy(update={"parameters": {k: parameters.get(k, v) for k, v in r.parameters.items()}})
                      for r in registry.load_registry())  # fmt: skip
        monkeypatch.setattr(registry, "load_registry", lambda *a, **k: rules)
        con = duckdb.connect()
        load_reference(con)
        write_finance_config(con)
        create_staging(con, "hris__attendance", [{"employee_id": "E1", "attendance_date": D("2025-01-31")}])
        rows = [i for i in INVOICES if i["invoice_id"] in invoice_ids] + list(extra)
        create_staging(con, "erp__ap_invoices", rows)
        run_models(con, SETTINGS, *MODELS[:5])
        build_controls(con, SETTINGS, names=["int_findings__ap_invoices"])
        got = {k for (k,) in con.execute("select entity_key from core.int_findings__ap_invoices "
                                         "where control_code = ?", [code]).fetchall()}  # fmt: skip
        con.close()
        return got

    return rerun


def test_exact_duplicate_lists_the_copy_not_the_original_nor_another_vendors_invoice(findings):
    assert set(findings["duplicate_payment_exact"]) == {"I02"}
    assert json.loads(findings["duplicate_payment_exact"]["I02"]["evidence"])["original_invoice_id"] == "I01"


def test_the_same_number_and_amount_under_another_vendor_is_a_cross_vendor_duplicate(findings):
    # I03 (V2) repeats number A-1 and Rp5,000,000 of V1's I01 and I02, received after both; I16 (V9) repeats V3's
    # number N-1 with another amount: not a duplicate. V1's own copy I02 is the exact rule's.
    assert set(findings["duplicate_payment_cross_vendor"]) == {"I03"}
    row = findings["duplicate_payment_cross_vendor"]["I03"]
    evidence = json.loads(row["evidence"])
    assert evidence["earlier_invoice_ids"] == ["I01", "I02"] and evidence["earlier_vendor_ids"] == ["V1"]
    assert row["amount_at_risk_idr"] == 5_000_000
    assert row["description"] == (
        "Invoice I03 of vendor V2 carries invoice number A-1 and amount Rp5,000,000, as I01 of vendor V1 (A-1), "
        "I02 of vendor V1 ( a-1), and was paid on 2025-01-27; check whether one bill was entered under two vendors "
        "before paying it again."
    )


def test_near_duplicate_within_30_days_and_5_percent(findings):
    # I05: 28 days after I04, 4% more. I29: V14's subscription billed twice in January (10 days after I28). I31:
    # one amount in two consecutive months only is no recurring bill. I18: the crafted split's second piece is also
    # within 5% of the first, two days later. Not listed: V13's lease (I24, I25) and V14's monthly bills (I27, I28),
    # the same amount 29-32 days after the month before, in 3 months.
    assert set(findings["duplicate_payment_near"]) == {"I05", "I18", "I29", "I31"}
    assert json.loads(findings["duplicate_payment_near"]["I05"]["evidence"])["earlier_invoice_ids"] == ["I04"]
    assert json.loads(findings["duplicate_payment_near"]["I29"]["evidence"])["earlier_invoice_ids"] == ["I28"]
    assert json.loads(findings["duplicate_payment_near"]["I31"]["evidence"])["earlier_invoice_ids"] == ["I30"]


def test_a_recurring_bill_needs_its_monthly_cadence_in_enough_months(ap_rules):
    # V13's lease with a 35-day window: November-December (29 days) and December-January (31 days) are pairs. In
    # three months they are a recurring bill: nothing. Without November, two months are not: January is listed.
    near = "duplicate_payment_near"
    assert ap_rules(["I23", "I24", "I25"], near, near_duplicate_window_days=35) == set()
    assert ap_rules(["I24", "I25"], near, near_duplicate_window_days=35) == {"I25"}
    # and with the registry asking for four months, the three-month lease is no recurring bill either
    assert ap_rules(["I23", "I24", "I25"], near, near_duplicate_window_days=35, recurring_bill_min_months=4) == {
        "I24", "I25"}  # fmt: skip


def test_near_duplicate_window_is_inclusive_whatever_the_date_buckets(ap_rules):
    # I04 and I05 are 28 days apart: in the window of 28 days (and of 30: 2025-01-02 and 2025-01-30 fall in two
    # 30-day buckets, the pairs are looked for in a bucket and the next), not in 27, and never in a 0-day window
    near = "duplicate_payment_near"
    assert ap_rules(["I04", "I05"], near, near_duplicate_window_days=28) == {"I05"}
    assert ap_rules(["I04", "I05"], near, near_duplicate_window_days=27) == set()
    assert ap_rules(["I04", "I05"], near, near_duplicate_window_days=0) == set()


def test_split_groups_count_the_window_end_and_the_pieces_of_one_day(ap_rules):
    # the crafted split is two days apart: within a 2-day window (its end included)
    assert ap_rules(["I17", "I18"], "split_invoice", split_window_days=2) == {"I17", "I18"}
    # three pieces of V10 on one day (30m + 31m + 19m): with three pieces required, the group from the first by
    # invoice id holds all three; the group from the second holds two, the third's one. Four are not there.
    same_day = [dict(i, invoice_id=f"{i['invoice_id']}D", vendor_id="V10", invoice_date=D("2025-01-20"))
                for i in INVOICES if i["invoice_id"] in ("I17", "I18", "I20")]  # fmt: skip
    assert ap_rules([], "split_invoice", split_min_items=3, extra=same_day) == {"I17D", "I18D", "I20D"}
    assert ap_rules([], "split_invoice", split_min_items=4, extra=same_day) == set()


def test_split_pieces_need_the_window_and_the_limit_from_the_registry(ap_rules):
    # the crafted split, two days apart: not with a 1-day window; three pieces are not there when 3 are required
    assert ap_rules(["I17", "I18"], "split_invoice") == {"I17", "I18"}
    assert ap_rules(["I17", "I18"], "split_invoice", split_window_days=1) == set()
    assert ap_rules(["I17", "I18"], "split_invoice", split_min_items=3) == set()


def test_creator_is_approver_on_invoices_journals_and_payments(findings):
    assert set(findings["sod_invoice"]) == {"I08"}
    assert set(findings["sod_journal"]) == {"J01"}
    assert set(findings["sod_payment"]) == {"J03"}
    assert findings["sod_payment"]["J03"]["entity"] == "payment"


def test_split_invoices_under_the_approval_limit(findings):
    # I10 + I11 (each >= 90% of the limit) and the crafted split I17 + I18 (30m + 31m two days apart, two clerks);
    # not V7 (11 days apart), V11 (49m together), V12 (52m is above the limit, 10m alone)
    assert set(findings["split_invoice"]) == {"I10", "I11", "I17", "I18"}
    evidence = json.loads(findings["split_invoice"]["I10"]["evidence"])
    assert evidence["group_total_idr"] == 92_500_000 and evidence["approval_limit_idr"] == 50_000_000
    crafted = findings["split_invoice"]["I17"]
    evidence = json.loads(crafted["evidence"])
    assert evidence["group_invoice_ids"] == ["I17", "I18"] and evidence["group_total_idr"] == 61_000_000
    assert evidence["group_created_by"] == ["U005", "U007"]
    assert crafted["description"] == (
        "Invoice I17 (Rp30,000,000) is one of 2 invoices of vendor V10 within 7 days (I17, I18, entered by U005, "
        "U007), each below the approval limit Rp50,000,000 but together Rp61,000,000; check whether one purchase "
        "was split to avoid the higher approval."
    )


def test_paid_before_received(findings):
    assert set(findings["invoice_paid_before_received"]) == {"I14"}


def test_round_amount_on_manual_journals_only(findings):
    assert set(findings["round_amount"]) == {"J04"}  # not J05 (not round), J06 (payroll), J00 (brought forward)
    assert findings["round_amount"]["J04"]["amount_at_risk_idr"] == 20_000_000


def test_weekend_holiday_and_collective_leave_postings(findings):
    assert set(findings["weekend_holiday_posting"]) == {"J07", "J09", "J10"}


def test_unmatched_bank_line_older_than_the_minimum_age(findings):
    # B2 is 23 days old on the account's last date (2025-01-31); B3 is 2 days old (< 7): may not be booked yet
    assert set(findings["unmatched_bank_line"]) == {"B2"}
    assert findings["unmatched_bank_line"]["B2"]["amount_at_risk_idr"] == 3_500_000


def test_vendor_paid_into_an_employee_account_and_vendors_sharing_a_tax_id(findings):
    assert set(findings["employee_vendor_bank_match"]) == {"V9"}
    assert json.loads(findings["employee_vendor_bank_match"]["V9"]["evidence"])["employee_ids"] == ["E1"]
    assert set(findings["vendor_duplicate_tax_id"]) == {"V11", "V12"}
