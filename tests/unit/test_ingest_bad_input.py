"""Ingestion over the bad-input corpus: every defect ends as quarantine rows with a reason or a failed
manifest entry naming file, line, column and rule; nothing read is lost; the other files still load."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from fixtures.bad_input import CASES, CLEAN, CONTRACT, Case, ingest_and_stage

from assets.ingest.contracts import load_contract
from assets.ingest.loader import ingest_contract


@pytest.fixture
def contract():
    return load_contract(CONTRACT)


def land(tmp_path: Path, case: Case) -> Path:
    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    (landing / case.filename).write_bytes(case.content)
    return landing


def load_case(tmp_path: Path, con, contract, name: str) -> None:
    """Land the corpus case ``name`` alone, then load and stage it."""
    case = next(c for c in CASES if c.name == name)
    ingest_and_stage(con, contract, land(tmp_path, case))


def manifest_row(con, filename: str) -> dict:
    cursor = con.execute("select * from meta.load_manifest where source_path = ?", [filename])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"expected one manifest row for {filename}, got {len(rows)}"
    return dict(zip(names, rows[0], strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_is_staged_quarantined_or_failed_with_a_reason(tmp_path, con, contract, case: Case):
    ingest_and_stage(con, contract, land(tmp_path, case))
    row = manifest_row(con, case.filename)
    assert row["status"] == case.status, row["error"]
    if case.status == "failed":
        assert case.filename in row["error"]
        for word in case.message:
            assert word in row["error"]
        return
    # nothing lost: rows read = rows staged + rows quarantined
    assert row["rows_read"] == row["rows_staged"] + row["rows_quarantined"]
    assert row["rows_staged"] == case.staged
    rules = dict(con.execute("select rule, count(*) from quarantine.corpus__payments group by rule").fetchall())
    assert rules == {k: v for k, v in case.quarantined.items() if v}
    for attribute in ("encoding", "delimiter", "newline"):
        if getattr(case, attribute) is not None:
            assert row[attribute] == getattr(case, attribute)


def test_quarantine_reason_names_line_column_and_rule(tmp_path, con, contract):
    load_case(tmp_path, con, contract, "unparseable_dates")
    rows = con.execute(
        "select _line_no, rule, column_name, reason from quarantine.corpus__payments order by _line_no"
    ).fetchall()
    assert rows[0] == (2, "type_date", "payment_date",
                       "payment_date: '2025-13-01' is not a date in format %Y-%m-%d or %d/%m/%Y")  # fmt: skip
    assert rows[1][0] == 3 and "'next tuesday'" in rows[1][3]


def test_duplicate_key_reason_points_at_the_first_occurrence(tmp_path, con, contract):
    load_case(tmp_path, con, contract, "duplicate_primary_key")
    reason = con.execute("select reason from quarantine.corpus__payments").fetchall()[0][0]
    assert reason == "duplicate primary key (payment_id=P1): first staged from duplicates.csv line 2"


def test_truncated_line_is_kept_with_its_raw_text(tmp_path, con, contract):
    load_case(tmp_path, con, contract, "truncated_last_line")
    line, record = con.execute("select _line_no, record from quarantine.corpus__payments").fetchall()[0]
    assert line == 3 and "CV Ma" in record


def test_aliases_preamble_and_thousands_are_read_by_name(tmp_path, con, contract):
    load_case(tmp_path, con, contract, "preamble_and_aliases")
    row = con.execute(
        "select payment_id, payment_date::varchar, amount_idr, _line_no from staging.stg_corpus__payments"
    ).fetchall()
    assert row == [("P1", "2025-01-31", 1500000, 5)]
    assert manifest_row(con, "preamble.csv")["header_line"] == 4


@pytest.mark.parametrize(
    ("name", "expected"),
    [("cp1252_file", ["Café Sejahtera†"]), ("mixed_encodings", ["Café Dua", "Café Satu"])],
)
def test_encodings_are_decoded_without_losing_characters(tmp_path, con, contract, name, expected):
    load_case(tmp_path, con, contract, name)
    suppliers = sorted(r[0] for r in con.execute("select supplier from staging.stg_corpus__payments").fetchall())
    assert suppliers == expected


def test_one_broken_file_does_not_stop_the_others(tmp_path, con, contract):
    landing = tmp_path / "landing"
    for case in CASES:
        land(tmp_path, case)
    outcomes = ingest_and_stage(con, contract, landing)
    failed = {o.source_path for o in outcomes if o.status == "failed"}
    assert failed == {c.filename for c in CASES if c.status == "failed"}
    totals = con.execute(
        "select sum(rows_read), sum(rows_staged), sum(rows_quarantined) from meta.load_manifest where status = 'loaded'"
    ).fetchall()[0]
    assert totals[0] == totals[1] + totals[2] and totals[1] > 0


def test_same_file_twice_is_a_no_op(tmp_path, con, contract):
    landing = land(tmp_path, CASES[0])
    ingest_and_stage(con, contract, landing)
    before = con.execute("select * from staging.stg_corpus__payments order by all").fetchall()
    shutil.copy(landing / "clean.csv", landing / "clean_copy.csv")  # same bytes under another name
    outcomes = ingest_and_stage(con, contract, landing)
    assert [o.status for o in outcomes] == ["unchanged", "unchanged"]
    assert con.execute("select count(*) from raw.corpus__payments").fetchall()[0][0] == 2
    assert con.execute("select * from staging.stg_corpus__payments order by all").fetchall() == before


def test_changed_file_with_the_same_name_is_a_new_version(tmp_path, con, contract):
    landing = land(tmp_path, CASES[0])
    ingest_contract(con, contract, landing)
    (landing / "clean.csv").write_bytes(CLEAN + b"P3,2025-02-02,PT Baru,300,paid\n")
    outcomes = ingest_and_stage(con, contract, landing)
    assert [o.status for o in outcomes] == ["loaded"]
    statuses = sorted(r[0] for r in con.execute("select status from meta.load_manifest").fetchall())
    assert statuses == ["loaded", "superseded"]
    assert con.execute("select count(*) from staging.stg_corpus__payments").fetchall()[0][0] == 3
    assert con.execute("select count(*) from raw.corpus__payments").fetchall()[0][0] == 5  # raw is append-only


def test_excel_and_parquet_are_read_by_column_name(tmp_path, con, contract):
    import pyarrow as pa
    import pyarrow.parquet as pq
    import xlsxwriter

    landing = tmp_path / "landing"
    landing.mkdir()
    workbook = xlsxwriter.Workbook(landing / "payments.xlsx")
    sheet = workbook.add_worksheet("payments")
    sheet.write_row(0, 0, ["Exported by finance"])  # preamble row above the header
    sheet.write_row(2, 0, ["status", "Supplier Name", "Payment ID", "Date", "amount"])  # other column order
    sheet.write_row(3, 0, ["paid", "PT Sinar", "X1", "2025-03-01", 1250.5])
    workbook.close()
    table = pa.table({"amount": [10.0], "id": ["Q1"], "payment_date": [dt.date(2025, 3, 2)],
                      "vendor": ["CV Maju"], "status": ["paid"]})  # fmt: skip
    pq.write_table(table, landing / "payments.parquet")
    ingest_and_stage(con, contract, landing)
    rows = con.execute(
        "select payment_id, payment_date::varchar, supplier, amount_idr::double, _line_no "
        "from staging.stg_corpus__payments order by 1"
    ).fetchall()
    assert rows == [("Q1", "2025-03-02", "CV Maju", 10.0, 1), ("X1", "2025-03-01", "PT Sinar", 1250.5, 4)]
    formats = sorted(r[0] for r in con.execute("select detected_format from meta.load_manifest").fetchall())
    assert formats == ["parquet", "xlsx"]


def test_parquet_whose_pages_do_not_decode_fails_alone(tmp_path, con, contract):
    """The footer and the row count read, the values do not: raw reads a Parquet file's values only when it
    writes them, and that failure is still the file's, not the contract's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing = land(tmp_path, CASES[0])
    n = 2000
    table = pa.table({"id": [f"Q{i}" for i in range(n)], "payment_date": ["2025-03-02"] * n,
                      "vendor": [f"CV {i * 7919 % 1000}" for i in range(n)], "amount": [float(i) for i in range(n)],
                      "status": ["paid"] * n})  # fmt: skip
    pq.write_table(table, landing / "payments.parquet", compression="snappy")
    data = bytearray((landing / "payments.parquet").read_bytes())
    data[200:1200] = bytes(b ^ 0x5A for b in data[200:1200])  # the first column's pages, not the footer
    (landing / "payments.parquet").write_bytes(bytes(data))
    outcomes = {o.source_path: o for o in ingest_and_stage(con, contract, landing)}
    assert outcomes["clean.csv"].status == "loaded"
    assert outcomes["payments.parquet"].status == "failed"
    assert "payments.parquet" in outcomes["payments.parquet"].error
    assert "decompression" in outcomes["payments.parquet"].error
    assert manifest_row(con, "payments.parquet")["status"] == "failed"
    assert con.execute("select count(distinct _source_path) from raw.corpus__payments").fetchall() == [(1,)]
