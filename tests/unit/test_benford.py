"""Benford first-digit and first-two-digit tests (marts.control_benford) against the published expected proportions,
with one conforming and one non-conforming sample, judged by Nigrini's MAD bands (benford_mad_bands.csv).

Populations: payments = money out in core.fct_bank_transaction; journal_lines = core.fct_gl_line amounts.
  conforming      journal lines 10^(2 + 4k/N), k = 0..N-1, N = 5,000: log-uniform over four decades, which is
                  exactly Benford's distribution (up to rounding to whole rupiah)
  non-conforming  payments d x 100,000 + k for d = 1..9 and k = 0..299: every first digit 1/9 of the time
"""

from __future__ import annotations

import json
import math

import pytest

from assets.controls.runner import build_controls
from pipelines.settings import Settings

N_CONFORMING = 5_000
UNIFORM = [d * 100_000 + k for d in range(1, 10) for k in range(300)]  # 2,700 amounts
# Published first-digit proportions in percent (docs/audit_tests.md section 3.1, Nigrini)
PUBLISHED_FIRST_DIGIT = {1: 30.10, 2: 17.61, 3: 12.49, 4: 9.69, 5: 7.92, 6: 6.69, 7: 5.80, 8: 5.12, 9: 4.58}
# Published first-two-digit proportions in percent (Nigrini 2012, table 5.1): a few
PUBLISHED_FIRST_TWO = {10: 4.14, 11: 3.78, 19: 2.23, 50: 0.86, 99: 0.44}


@pytest.fixture
def benford(con):
    con.execute("create schema core")
    con.execute("create table core.fct_bank_transaction (bank_txn_id varchar, amount_idr bigint, period date)")
    con.execute("create table core.fct_gl_line (journal_id varchar, debit_idr bigint, credit_idr bigint, "
                "is_brought_forward boolean, period date)")  # fmt: skip
    con.execute("create table core.fct_spend_transaction (spend_key varchar, amount_idr decimal(18, 2), period date)")
    con.execute("insert into core.fct_bank_transaction select 'B' || a, -a, date '2025-01-01' from unnest(?) t(a)",
                [UNIFORM])  # fmt: skip
    amounts = [round(10 ** (2 + 4 * k / N_CONFORMING)) for k in range(N_CONFORMING)]
    con.execute("insert into core.fct_gl_line select 'J' || a, a, 0, false, date '2025-01-01' from unnest(?) t(a)",
                [amounts])  # fmt: skip
    build_controls(con, Settings(), names=["control_benford", "int_findings__benford"])
    return con


def share(con, population, test, column="expected_share"):
    rows = con.execute(f"select digit, {column} from marts.control_benford where population = ? and test = ?",
                       [population, test]).fetchall()  # fmt: skip
    return dict(rows)


def summary(con, population, test):
    return con.execute(
        "select any_value(n_amounts), any_value(mad), any_value(conformity) from marts.control_benford "
        "where population = ? and test = ?",
        [population, test],
    ).fetchall()[0]


def test_expected_proportions_are_the_published_ones(benford):
    first = share(benford, "payments", "first_digit")
    assert {d: round(100 * p, 2) for d, p in first.items()} == PUBLISHED_FIRST_DIGIT
    two = share(benford, "payments", "first_two_digits")
    assert len(two) == 90 and sum(two.values()) == pytest.approx(1.0)
    for digits, percent in PUBLISHED_FIRST_TWO.items():
        assert round(100 * two[digits], 2) == percent


def test_the_log_uniform_sample_conforms_closely(benford):
    n, mad, conformity = summary(benford, "journal_lines", "first_digit")
    assert n == N_CONFORMING and mad < 0.006 and conformity == "close"  # close conformity: MAD <= 0.006
    n, mad, conformity = summary(benford, "journal_lines", "first_two_digits")
    assert mad < 0.0012 and conformity == "close"  # close conformity: MAD <= 0.0012
    findings = benford.execute("select entity_key from core.int_findings__benford").fetchall()
    assert ("journal_lines",) not in findings


def test_uniform_first_digits_do_not_conform(benford):
    # observed 1/9 = 0.1111 for every digit; |0.1111 - expected|:
    # 0.1899 + 0.0650 + 0.0138 + 0.0142 + 0.0319 + 0.0442 + 0.0531 + 0.0599 + 0.0653 = 0.5373; / 9 = 0.0597
    n, mad, conformity = summary(benford, "payments", "first_digit")
    assert n == 2_700
    assert mad == pytest.approx(sum(abs(1 / 9 - math.log10(1 + 1 / d)) for d in range(1, 10)) / 9)
    assert mad == pytest.approx(0.0597, abs=1e-4) and conformity == "nonconformity"  # above 0.015
    # digit 1: Z = (|0.1111 - 0.3010| - 1/(2 x 2700)) / sqrt(0.3010 x 0.6990 / 2700) = 0.18974 / 0.008828 = 21.49
    z = share(benford, "payments", "first_digit", "z_stat")[1]
    assert z == pytest.approx(21.49, abs=0.01)
    finding = benford.execute(
        "select control_code, severity, evidence from core.int_findings__benford "
        "where entity_key = 'payments' and control_code = 'benford_first_digit'"
    ).fetchall()
    assert len(finding) == 1
    code, severity, evidence = finding[0]
    assert severity is None  # nonconformity on a large enough sample: the registry's default severity
    assert json.loads(evidence)["significant_digits"][0]["digit"] == 1  # the largest Z first


def test_the_bands_are_data(benford):
    bands = benford.execute("select test, close_conformity_max, acceptable_max, marginal_max "
                            "from core.control_benford_bands order by test").fetchall()  # fmt: skip
    assert bands == [("first_digit", 0.006, 0.012, 0.015), ("first_two_digits", 0.0012, 0.0018, 0.0022)]
