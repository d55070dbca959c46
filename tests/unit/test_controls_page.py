"""The controls page a reviewer works from, on a tiny warehouse: the open list, its masking, its order, the review
status from canonical.finding_reviews and the false-positive rate per rule, computed by hand.

Findings (June 2025 unless said; amounts in rupiah):
  control     F1 paid_after_termination  E00042  high    5,000,000  D1
              F2 duplicate_payment_exact INV-1   high    7,500,000  D1
              F3 missing_tax_id          E00043  medium  2,000,000  D1  May; evidence names the tax id and the name
              F4 shared_bank_account     E00044  high    (none)     D2  description names the account and E00045
              F5 round_amount            JV-1    low     1,000,000  D2
              F7 duplicate_payment_exact INV-2   high    1,000,000  D2
  compliance  F6 minimum_wage            E00046  high      300,000  D1
Reviews (second build): F1 resolved; F2 acknowledged then resolved; F3 acknowledged; F4 false positive;
F7 false positive; one review names a finding that does not exist.
False-positive rate = false positives / findings closed by a review: duplicate_payment_exact 1 of 2 = 50%,
shared_bank_account 1 of 1 = 100%, paid_after_termination 0 of 1 = 0%, missing_tax_id none closed = no rate.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fixtures.warehouse import create_canonical

from assets.controls.registry import load_registry, write_registry, write_review_statuses
from assets.controls.runner import control_models, run_control_model
from dashboards.findings import FINDING_COLUMNS, Masker, WholeWords, mask_id, render_controls, whole_word_pattern
from dashboards.render import load_site, page_domains
from pipelines.settings import Settings

MAY, JUNE = dt.date(2025, 5, 1), dt.date(2025, 6, 1)
TAX_ID, ACCOUNT = "8309025911405000", "1897148637"
PERSONAL = ("E00042", "E00043", "E00044", "E00045", "E00046", "Siti Aminah", "Budi Santoso", TAX_ID, ACCOUNT)


def finding(fid, code, severity, entity, key, period, department, amount, description, evidence=None):
    return (fid, code, None, severity, entity, key, period, department, amount, description,
            json.dumps(evidence or {}))  # fmt: skip


CONTROL = [
    finding("paid_after_termination:E00042:PR-6", "paid_after_termination", "high", "employee", "E00042", JUNE, "D1",
            5_000_000, "E00042 (Siti Aminah) left on 2025-05-25 but was paid in run PR-6.", {"run_id": "PR-6"}),
    finding("duplicate_payment_exact:INV-1", "duplicate_payment_exact", "high", "invoice", "INV-1", JUNE, "D1",
            7_500_000, "Invoice INV-1 of vendor CV Maju repeats INV-0."),
    finding("missing_tax_id:E00043", "missing_tax_id", "medium", "employee", "E00043", MAY, "D1", 2_000_000,
            "E00043 has no tax id in the HR master.", {"tax_id": TAX_ID, "full_name": "Budi Santoso"}),
    finding("shared_bank_account:E00044", "shared_bank_account", "high", "employee", "E00044", JUNE, "D2", None,
            f"E00044 shares bank account {ACCOUNT} with E00045.",
            {"bank_account": ACCOUNT, "employee_ids": ["E00045"]}),
    finding("round_amount:JV-1", "round_amount", "low", "journal", "JV-1", JUNE, "D2", 1_000_000, "Journal JV-1."),
    finding("duplicate_payment_exact:INV-2", "duplicate_payment_exact", "high", "invoice", "INV-2", JUNE, "D2",
            1_000_000, "Invoice INV-2 repeats INV-0."),
]  # fmt: skip
COMPLIANCE = [
    finding("minimum_wage:E00046:20250601", "minimum_wage", "high", "employee", "E00046", JUNE, "D1", 300_000,
            "E00046 earns below the minimum wage."),
]  # fmt: skip
REVIEWS = [
    ("paid_after_termination:E00042:PR-6", "resolved", "team:payroll", "Recovered.", dt.date(2025, 7, 1)),
    ("duplicate_payment_exact:INV-1", "acknowledged", "team:finance-data", "Asked the vendor.", dt.date(2025, 7, 1)),
    ("duplicate_payment_exact:INV-1", "resolved", None, "Credit note received.", dt.date(2025, 7, 3)),
    ("missing_tax_id:E00043", "acknowledged", "team:hr-data", "Card for Budi Santoso requested.", dt.date(2025, 7, 2)),
    ("shared_bank_account:E00044", "false_positive", "team:internal-audit", "Joint account.", dt.date(2025, 7, 2)),
    ("duplicate_payment_exact:INV-2", "false_positive", "team:finance-data", "Two deliveries.", dt.date(2025, 7, 2)),
    ("no_such_finding:X1", "resolved", "team:internal-audit", "Typo.", dt.date(2025, 7, 2)),
]  # fmt: skip
STATUS_MODELS = ("int_finding_reviews__latest", "finding_status", "finding_false_positive_rates")


def build(con, reviews: list[tuple]) -> None:
    """The review models over the findings and the reviews given (what the nightly run builds)."""
    create_canonical(con, "finding_reviews", [
        {"finding_id": f, "status": s, "owner": o, "note": n, "reviewed_on": d} for f, s, o, n, d in reviews
    ])  # fmt: skip
    models = {m.name: m for m in control_models()}
    for name in STATUS_MODELS:
        assert run_control_model(con, models[name], Settings()) == []


@pytest.fixture
def warehouse(con):
    con.execute("create schema marts")
    con.execute("create schema core")
    write_registry(con, load_registry())
    write_review_statuses(con)
    columns = ", ".join(f"{c} {'date' if c == 'period' else 'double' if c.startswith('amount') else 'varchar'}"
                        for c in FINDING_COLUMNS)  # fmt: skip
    for table, rows in (("marts.control_findings", CONTROL), ("marts.compliance_findings", COMPLIANCE)):
        con.execute(f"create table {table} ({columns})")
        con.executemany(f"insert into {table} values ({', '.join('?' * len(FINDING_COLUMNS))})", rows)
    con.execute(
        "create table core.dim_period as select * from (values (date '2025-05-01'), (date '2025-06-01')) t(period)"
    )
    create_canonical(con, "departments", [{"department_id": "D1", "department_name": "Operations"},
                                          {"department_id": "D2", "department_name": "Finance"}])  # fmt: skip
    create_canonical(con, "employees", [{"employee_id": e, "full_name": n} for e, n in (
        ("E00042", "Siti Aminah"), ("E00043", "Budi Santoso"), ("E00044", "Rina Kartika"), ("E00045", "Andi Wijaya"),
        ("E00046", "Dewi Lestari"))])  # fmt: skip
    build(con, [])
    return con


def page(con, tmp_path, language="en"):
    settings = Settings(reports_dir=tmp_path / language, language=language, privacy_min_group_size=1)
    site = load_site(con, settings, page_domains([]), dt.datetime(2025, 7, 4, 9, 0))
    html = render_controls(con, site).read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="kinerja-data">(.*?)</script>', html, re.S).group(1))
    return html, data


def test_the_open_list_shows_every_open_finding_masked_most_severe_then_largest_amount(warehouse, tmp_path):
    html, data = page(warehouse, tmp_path)
    n_findings = warehouse.execute(
        "select (select count(*) from marts.control_findings) + (select count(*) from marts.compliance_findings)"
    ).fetchone()[0]
    rows = data["open"]
    assert len(rows) == n_findings == 7
    # [source, rule, severity, department, entity, description, amount, age, status, owner, note, evidence, ...]
    assert [(r[1], r[2], r[6]) for r in rows] == [
        ("duplicate_payment_exact", "high", 7_500_000),
        ("paid_after_termination", "high", 5_000_000),
        ("duplicate_payment_exact", "high", 1_000_000),
        ("minimum_wage", "high", 300_000),
        ("shared_bank_account", "high", None),
        ("missing_tax_id", "medium", 2_000_000),
        ("round_amount", "low", 1_000_000),
    ]
    entities = {r[1]: r[4] for r in rows}
    assert entities["paid_after_termination"] == "E••••042" and entities["minimum_wage"] == "E••••046"
    assert entities["round_amount"] == "JV-1" and entities["duplicate_payment_exact"] in ("INV-1", "INV-2")
    assert {r[8] for r in rows} == {"open"}
    assert rows[1][7] == 4  # June's finding, four days after the end of June
    assert data["ruleNames"]["paid_after_termination"] == "Paid after termination"
    for text in PERSONAL:  # no id, name, tax id or bank account anywhere in the page, evidence included
        assert text not in html, text
    shared = next(r for r in rows if r[1] == "shared_bank_account")
    assert shared[5] == "E••••044 shares bank account ••• with E••••045."
    missing = next(r for r in rows if r[1] == "missing_tax_id")
    assert "•••" in missing[11] and TAX_ID not in missing[11]
    # the tile: the open high-severity amount is on the page as data the script adds up
    assert sum(r[6] or 0 for r in rows if r[2] in data["highSeverities"]) == 13_800_000
    assert "Paid with no attendance" not in html  # only rules with findings are in the rule filter


def test_a_resolved_finding_leaves_the_open_list_on_the_next_build_and_its_history_stays(warehouse, tmp_path):
    build(warehouse, REVIEWS)
    html, data = page(warehouse, tmp_path)
    open_rules = [(r[1], r[4], r[8], r[9]) for r in data["open"]]
    assert open_rules == [
        ("minimum_wage", "E••••046", "open", ""),
        ("missing_tax_id", "E••••043", "acknowledged", "team:hr-data"),
        ("round_amount", "JV-1", "open", ""),
    ]
    note = next(r[10] for r in data["open"] if r[1] == "missing_tax_id")
    assert note == "Card for ••• requested."  # a name in a review note is masked too
    # the history: every finding is still in the marts and every review in canonical.finding_reviews
    status = dict(warehouse.execute("select finding_id, review_status from marts.finding_status").fetchall())
    assert len(status) == 7 and status["duplicate_payment_exact:INV-1"] == "resolved"
    assert warehouse.execute("select count(*) from canonical.finding_reviews").fetchone()[0] == len(REVIEWS)
    owner = warehouse.execute(
        "select owner from core.int_finding_reviews__latest where finding_id = 'duplicate_payment_exact:INV-1'"
    ).fetchone()[0]
    assert owner == "team:finance-data"  # the latest review left the owner blank: the one named before stays
    assert "1 review(s) in canonical.finding_reviews name a finding the warehouse does not have" in html


def test_the_false_positive_rate_per_rule_is_false_positives_over_closed_findings(warehouse, tmp_path):
    build(warehouse, REVIEWS)
    rates = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select control_code, n_findings, n_open, n_closed, n_false_positive, false_positive_rate_pct "
            "from marts.finding_false_positive_rates"
        ).fetchall()
    }
    assert rates["duplicate_payment_exact"] == (2, 0, 2, 1, 50.0)
    assert rates["shared_bank_account"] == (1, 0, 1, 1, 100.0)
    assert rates["paid_after_termination"] == (1, 0, 1, 0, 0.0)
    assert rates["missing_tax_id"] == (1, 1, 0, 0, None)
    assert rates["sod_invoice"] == (0, 0, 0, 0, None)  # a registered rule with no finding
    _, data = page(warehouse, tmp_path)
    shown = {r[0]: r[6] for r in data["falsePositive"]}
    assert shown["duplicate_payment_exact"] == 50.0 and shown["missing_tax_id"] is None
    assert "sod_invoice" not in shown  # the page lists the rules with findings


def test_rule_names_and_labels_are_indonesian(warehouse, tmp_path):
    html, data = page(warehouse, tmp_path, language="id")
    assert data["ruleNames"]["paid_after_termination"] == "Gaji dibayar setelah pemutusan hubungan kerja"
    assert data["severityNames"]["high"] == "tinggi" and data["statusNames"]["false_positive"] == "positif palsu"
    assert "Semua aturan" in html


def test_ids_and_personal_evidence_are_masked():
    assert mask_id("E00123") == "E••••123" and mask_id("EMP000123") == "EMP••••123" and mask_id("E12") == "••••"
    masker = Masker.__new__(Masker)
    masker.ids, masker._pattern = {"E00001"}, Masker._compile({"E00001", "Ani Putri"})
    text, found = masker.evidence(json.dumps({"counterparty": "Joko Widodo", "amount_idr": 5, "tax_id": TAX_ID}))
    assert "Joko Widodo" not in text and TAX_ID not in text and '"amount_idr": 5' in text
    assert masker.text("Paid to Joko Widodo and Ani Putri (E00001)", found) == "Paid to ••• and ••• (E••••001)"


def test_whole_words_find_what_the_one_regex_of_every_token_finds():
    """The controls page masks every employee id and name in its findings' texts by looking words up, not with one
    regex of all of them (20,000 employees at L); on texts built to trip it (a name inside a longer name, one
    token the start of another, other letter cases, ids glued to digits or underscores, punctuation around) both
    must replace the same spans."""
    import random

    tokens = {"Ani", "Ani Putri", "Ani Putri Sari", "ani putri", "E00001", "E000012", "Budi_S", "Joko", "O'Brien",
              "Jean-Luc", "Wahyu Tri", "Tri", "-Dash", "x"}  # fmt: skip
    pieces = [*tokens, "ANI PUTRI", "e00001", "Anita", "Putri", "E00001x", "1E00001", "_Ani", "Ani_", "Joko.",
              " ", " ", ", ", "(", ")", "-", "'", "é", "9", "Tri-Joko", "Sari"]  # fmt: skip
    reference, words = whole_word_pattern(tokens), WholeWords(tokens)
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        expected = reference.sub(lambda m: f"<{m.group(0)}>", text)
        assert words.sub(lambda found: f"<{found}>", text) == expected, text
    assert words.sub(str.upper, "ani putri sari, E00001 and Anita") == "ANI PUTRI SARI, E00001 and Anita"
