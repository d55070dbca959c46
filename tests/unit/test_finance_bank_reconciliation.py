"""Bank reconciliation passes, unmatched items, the monthly book-to-bank reconciliation and the bank KPIs on a
tiny ledger and statement, worked out by hand. Account BCA-OPS = ledger cash account 1110 (config/bank_accounts.csv).

Ledger cash lines (posting date, amount, reference)          Bank lines (date, amount, reference)
  J01 01-02 +100,000,000 OPENING (brought forward, source closing: never matched, opens both balances)
  J02 01-15  +25,000,000 SI-1 (customer receipt)               B1 01-16  +25,000,000 SI-1    pass 1, 1 day apart
  J03 01-20   -2,000,000 INV-1 (supplier payment)              B2 01-20   -2,000,000 INV-1   pass 1
                                                               B3 01-22   -3,000,000 (none)  unmatched: no ledger entry
  J04 01-24   -9,100,000 PR-2025-01 (net pay D1)               B4 01-24  -14,660,000 PR-2025-01, one payroll batch:
  J04 01-24   -5,560,000 PR-2025-01 (net pay D2)                         pass 3, one bank line = both ledger lines
  J05 01-31      -45,000 (none, bank charges)                  B5 01-30      -45,000 (none)  pass 2, amount and date
  J06 01-31   -1,500,000 INV-2                                 B6 02-03   -1,500,000 INV-2   pass 1, 3 days apart
  J07 02-28      -45,000 (none, bank charges)                  B7 02-27      -45,000 (none)  pass 2
  J08 02-26     -800,000 INV-3                                 (none: the payment is not on the statement)
  J09 02-19     -120,000 (none)                                B8 02-18     -120,000 (none)  pass 2, round 1
  J10 02-21     -120,000 (none)                                B9 02-20     -120,000 (none)  pass 2, round 2

The payroll lines carry the batch's reference, but neither equals the bank amount, so pass 1 leaves them.
B8/B9 and J09/J10 have equal amounts, all within the 7-day window: B8-J09 are each other's closest (1 day; J09's
tie between B8 and B9 goes to the lower id). B9's closest is J09 too (tied with J10, lower id), so B9 waits for
the second round, where J10 (1 day) is left for it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import create_chart_of_accounts, create_finance_company, create_staging, run_models

from pipelines.settings import Settings

D = dt.date.fromisoformat
SETTINGS = Settings(reporting_months=2, privacy_min_group_size=1)
MODELS = (
    "assets/hr/sql/reporting_window.sql",
    "assets/hr/sql/dim_date.sql",
    "assets/hr/sql/dim_period.sql",
    "assets/finance/sql/dim_account.sql",
    "assets/finance/sql/fct_gl_line.sql",
    "assets/finance/sql/fct_bank_transaction.sql",
    "assets/finance/sql/fct_bank_match.sql",
    "assets/finance/sql/finance_bank_unmatched_items.sql",
    "assets/finance/sql/finance_bank_reconciling_items.sql",
    "assets/finance/sql/finance_bank_reconciliation.sql",
    "assets/kpi/sql/kpi_finance__bank.sql",
)
CHART = [("1110", "Cash at bank", "asset", "cash"), ("2100", "Accounts payable", "liability", "payables"),
         ("2210", "Salaries payable", "liability", "payroll_liabilities"),
         ("3100", "Share capital", "equity", "equity"), ("4100", "Revenue", "revenue", "revenue"),
         ("6820", "Bank charges", "expense", "other_opex")]  # fmt: skip


def journal(journal_id, day, lines, source, reference=None):
    """Journal lines from (account, signed amount): debit > 0, credit < 0."""
    return [
        {"journal_id": journal_id, "line_no": n, "posting_date": D(day), "account_code": account,
         "debit_idr": max(amount, 0), "credit_idr": max(-amount, 0), "source": source, "reference": reference}
        for n, (account, amount) in enumerate(lines, start=1)
    ]  # fmt: skip


LEDGER = [
    *journal("J01", "2025-01-02", [("1110", 100_000_000), ("3100", -100_000_000)], "closing", "OPENING"),
    *journal("J02", "2025-01-15", [("1110", 25_000_000), ("4100", -25_000_000)], "bank", "SI-1"),
    *journal("J03", "2025-01-20", [("2100", 2_000_000), ("1110", -2_000_000)], "ap", "INV-1"),
    *journal("J04", "2025-01-24", [("2210", 9_100_000), ("2210", 5_560_000), ("1110", -9_100_000),
                                   ("1110", -5_560_000)], "payroll", "PR-2025-01"),
    *journal("J05", "2025-01-31", [("6820", 45_000), ("1110", -45_000)], "manual"),
    *journal("J06", "2025-01-31", [("2100", 1_500_000), ("1110", -1_500_000)], "ap", "INV-2"),
    *journal("J07", "2025-02-28", [("6820", 45_000), ("1110", -45_000)], "manual"),
    *journal("J08", "2025-02-26", [("2100", 800_000), ("1110", -800_000)], "ap", "INV-3"),
    *journal("J09", "2025-02-19", [("6820", 120_000), ("1110", -120_000)], "manual"),
    *journal("J10", "2025-02-21", [("6820", 120_000), ("1110", -120_000)], "manual"),
]  # fmt: skip


def bank(txn_id, day, amount, reference=None, description=None):
    return {"bank_txn_id": txn_id, "bank_account_id": "BCA-OPS", "txn_date": D(day), "amount_idr": amount,
            "reference": reference, "description": description}  # fmt: skip


STATEMENT = [
    bank("B1", "2025-01-16", 25_000_000, "SI-1", "CR SI-1"),
    bank("B2", "2025-01-20", -2_000_000, "INV-1", "TRF INV/1"),
    bank("B3", "2025-01-22", -3_000_000, None, "TRF ONLINE"),  # planted: no ledger entry
    bank("B4", "2025-01-24", -14_660_000, "PR-2025-01", "PAYROLL PR-2025-01"),
    bank("B5", "2025-01-30", -45_000, None, "BIAYA ADM"),
    bank("B6", "2025-02-03", -1_500_000, "INV-2", "TRF INV/2"),
    bank("B7", "2025-02-27", -45_000, None, "BIAYA ADM"),
    bank("B8", "2025-02-18", -120_000, None, "TRF"),
    bank("B9", "2025-02-20", -120_000, None, "TRF"),
]


@pytest.fixture(scope="module")
def rec():
    import duckdb

    con = duckdb.connect()
    # the reporting window (January and February 2025) ends with the last attendance day
    create_finance_company(con, hired=D("2024-01-01"), last_day=D("2025-02-28"))
    create_chart_of_accounts(con, CHART)
    create_staging(con, "hris__departments", [{"department_id": "D1", "department_name": "D1", "cost_center": "CC-1"}])
    create_staging(con, "erp__gl_entries", LEDGER)
    create_staging(con, "erp__bank_transactions", STATEMENT)
    run_models(con, SETTINGS, *MODELS)
    yield con
    con.close()


def matches(con):
    return con.execute(
        "select bank_txn_id, journal_id, line_no, match_pass, match_rule, days_apart, n_book_lines "
        "from core.fct_bank_match order by bank_txn_id, journal_id, line_no"
    ).fetchall()


def test_pass_1_matches_on_reference_and_amount(rec):
    by_pass = [m for m in matches(rec) if m[3] == 1]
    assert by_pass == [
        ("B1", "J02", 1, 1, "reference", 1, 1),  # bank 01-16, ledger 01-15
        ("B2", "J03", 2, 1, "reference", 0, 1),
        ("B6", "J06", 2, 1, "reference", 3, 1),  # bank 02-03, ledger 01-31
    ]


def test_pass_2_matches_same_amount_within_the_date_window_to_the_nearest_line(rec):
    by_pass = [m for m in matches(rec) if m[3] == 2]
    assert by_pass == [
        ("B5", "J05", 2, 2, "amount_date", -1, 1),  # bank 01-30, ledger 01-31
        ("B7", "J07", 2, 2, "amount_date", -1, 1),  # bank 02-27, ledger 02-28
        ("B8", "J09", 2, 2, "amount_date", -1, 1),  # first round
        ("B9", "J10", 2, 2, "amount_date", -1, 1),  # second round
    ]


def test_pass_3_matches_a_payroll_batch_one_to_many(rec):
    by_pass = [m for m in matches(rec) if m[3] == 3]
    # B4 -14,660,000 = J04 line 3 (-9,100,000) + line 4 (-5,560,000)
    assert by_pass == [
        ("B4", "J04", 3, 3, "one_to_many", 0, 2),
        ("B4", "J04", 4, 3, "one_to_many", 0, 2),
    ]


def test_the_opening_balance_is_never_matched(rec):
    assert all(m[1] != "J01" for m in matches(rec))


def test_unmatched_items_on_both_sides_with_their_age(rec):
    rows = rec.execute(
        "select side, coalesce(bank_txn_id, journal_id), amount_idr, as_of_date, age_days, is_aged "
        "from marts.finance_bank_unmatched_items order by side"
    ).fetchall()
    # aged to the latest date of the account (02-28): B3 from 01-22 = 37 days (> 30: aged); J08 from 02-26 = 2
    assert rows == [
        ("bank", "B3", -3_000_000, D("2025-02-28"), 37, True),
        ("book", "J08", -800_000, D("2025-02-28"), 2, False),
    ]


def test_monthly_reconciliation_explains_the_difference(rec):
    rows = rec.execute(
        "select period, book_balance_idr, bank_balance_idr, difference_idr, book_items_not_on_statement_idr, "
        "statement_items_not_in_books_idr, unexplained_difference_idr, is_reconciled "
        "from marts.finance_bank_reconciliation order by period"
    ).fetchall()
    # January book: 100m + 25m - 2m - 9.1m - 5.56m - 0.045m - 1.5m = 106,795,000
    # January bank: 100m brought forward + 25m - 2m - 3m - 14.66m - 0.045m = 105,295,000
    # difference 1,500,000 = book item J06 (-1,500,000, on the statement only on 02-03) - bank item B3 (-3,000,000)
    assert rows[0] == (D("2025-01-01"), 106_795_000, 105_295_000, 1_500_000, -1_500_000, -3_000_000, 0, True)
    # February book: - 0.8m - 0.045m - 0.24m = 105,710,000; bank: - 1.5m - 0.045m - 0.24m = 103,510,000
    # difference 2,200,000 = J08 (-800,000) - B3 (-3,000,000)
    assert rows[1] == (D("2025-02-01"), 105_710_000, 103_510_000, 2_200_000, -800_000, -3_000_000, 0, True)


def test_reconciling_items_tell_timing_from_unmatched(rec):
    rows = rec.execute(
        "select period, coalesce(bank_txn_id, journal_id), match_status, age_days "
        "from marts.finance_bank_reconciling_items order by period, side"
    ).fetchall()
    assert rows == [
        (D("2025-01-01"), "B3", "unmatched", 9),  # 01-22 to 01-31
        (D("2025-01-01"), "J06", "timing", 0),  # cleared the bank on 02-03
        (D("2025-02-01"), "B3", "unmatched", 37),
        (D("2025-02-01"), "J08", "unmatched", 2),
    ]


def kpi(con, period, code):
    rows = con.execute(
        "select value from marts.kpi_finance__bank where period = ? and department_id = 'ALL' and kpi_code = ?",
        [D(period + "-01"), code],
    ).fetchall()
    assert len(rows) == 1
    return rows[0][0]


def test_match_rate_by_count_and_value(rec):
    # January: 4 of 5 bank lines matched (B3 is not)
    assert kpi(rec, "2025-01", "bank_match_rate_count_pct") == pytest.approx(80)
    # by value: matched 25m + 2m + 14.66m + 0.045m = 41,705,000 of 44,705,000 (B3 3m)
    assert kpi(rec, "2025-01", "bank_match_rate_value_pct") == pytest.approx(41_705_000 / 44_705_000 * 100)
    # February: B6, B7, B8 and B9 all matched
    assert kpi(rec, "2025-02", "bank_match_rate_count_pct") == 100
    assert kpi(rec, "2025-02", "bank_match_rate_value_pct") == 100


def test_unreconciled_amount_and_ageing(rec):
    # January end: |J06| 1,500,000 + |B3| 3,000,000; ages 0 and 9 days: mean 4.5; none over 30 days
    assert kpi(rec, "2025-01", "bank_unreconciled_amount_idr") == 4_500_000
    assert kpi(rec, "2025-01", "bank_unreconciled_avg_age_days") == 4.5
    assert kpi(rec, "2025-01", "bank_unreconciled_aged_amount_idr") == 0
    # February end: |J08| 800,000 + |B3| 3,000,000; ages 2 and 37: mean 19.5; B3 is over 30 days
    assert kpi(rec, "2025-02", "bank_unreconciled_amount_idr") == 3_800_000
    assert kpi(rec, "2025-02", "bank_unreconciled_avg_age_days") == 19.5
    assert kpi(rec, "2025-02", "bank_unreconciled_aged_amount_idr") == 3_000_000
