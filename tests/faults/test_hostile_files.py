"""Files built to hurt the reader. Defect: a 5.6 KB xlsx (a header row and one cell at XFD1048576) made the Excel
reader allocate 512 GB and abort: `kinerja run` died with exit 134, nothing was recorded, every night again.
Now the sheet's extent is read from its cell references before the sheet is, and the file is `failed` with a
sentence of reason while the other files of the contract load."""

from __future__ import annotations

import os

import duckdb
import pytest
from fixtures.contracts import acme_staff, write_contract

from assets.ingest.contracts import load_contract
from assets.ingest.loader import ingest_contract


def staff_contract(tmp_path, files: str):
    """Acme's staff list (employee_id as id, name) reading ``files``, and its empty landing folder hr/:
    (landing folder, contract)."""
    (tmp_path / "landing" / "hr").mkdir(parents=True)
    text = acme_staff(f"""
        files: ["{files}"]
        columns:
          employee_id: {{aliases: [id]}}
          name: {{}}
    """)
    return tmp_path / "landing", load_contract(write_contract(tmp_path, text))


def workbook(path, rows, stray: tuple[int, int] | None = None):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("staff")
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    if stray:
        sheet.write(*stray, "x")
    book.close()


@pytest.fixture
def landing(tmp_path):
    return staff_contract(tmp_path, "hr/*.xlsx")


def test_a_sheet_with_a_stray_cell_at_the_last_address_is_a_failed_file(landing):
    folder, contract = landing
    workbook(folder / "hr" / "a_bomb.xlsx", [["id", "name"], ["E1", "Ani"]], stray=(1_048_575, 16_383))  # XFD1048576
    workbook(folder / "hr" / "b_good.xlsx", [["id", "name"], ["E2", "Budi"]])
    assert (folder / "hr" / "a_bomb.xlsx").stat().st_size < 10_000
    con = duckdb.connect()
    outcomes = {o.source_path: o for o in ingest_contract(con, contract, folder)}
    bomb, good = outcomes["hr/a_bomb.xlsx"], outcomes["hr/b_good.xlsx"]
    assert bomb.status == "failed"
    assert "XFD1048576" in bomb.error and "rule: max_sheet_cells" in bomb.error
    assert good.status == "loaded" and good.rows_read == 1
    manifest = dict(con.execute("select source_path, status from meta.load_manifest").fetchall())
    assert manifest == {"hr/a_bomb.xlsx": "failed", "hr/b_good.xlsx": "loaded"}


@pytest.fixture
def csv_landing(tmp_path):
    folder, contract = staff_contract(tmp_path, "hr/*.csv")
    (folder / "hr" / "good.csv").write_text("id,name\nE1,Ani\n", encoding="utf-8")
    return folder, contract


def test_links_and_special_files_in_the_landing_folder_are_refused_unread(csv_landing, tmp_path):
    """Defect: symlinks were followed: a link to /etc/shadow put its first line on quality.html."""
    folder, contract = csv_landing
    secret = tmp_path / "secret.csv"
    secret.write_text("id,name\nroot,$6$hash\n", encoding="utf-8")
    (folder / "hr" / "shadow.csv").symlink_to(secret)
    os.mkfifo(folder / "hr" / "pipe.csv")
    con = duckdb.connect()
    outcomes = {o.source_path: o for o in ingest_contract(con, contract, folder)}
    assert outcomes["hr/good.csv"].status == "loaded"
    for name in ("hr/shadow.csv", "hr/pipe.csv"):
        assert outcomes[name].status == "failed" and "rule: regular_file" in outcomes[name].error
        assert str(tmp_path) not in outcomes[name].error, "paths are shown relative to the landing folder"
    raw = con.execute("select count(*) from raw.acme__staff where name like '%hash%'").fetchone()[0]
    assert raw == 0, "the linked file was never read"


def test_an_endless_line_fails_its_file_and_the_next_file_loads(csv_landing):
    """Defect: a CSV field over 131,072 characters raised an uncaught csv error in the sniffer; the run failed and
    the later files of the contract were never tried (a 1 GB single-line file took 6.4 GB before failing)."""
    folder, contract = csv_landing
    (folder / "hr" / "a_endless.csv").write_text("id,name\n" + "x" * 2_000_000, encoding="utf-8")
    (folder / "hr" / "b_quote.csv").write_text('id,name\nE2,"' + "y" * 200_000 + "\n", encoding="utf-8")
    con = duckdb.connect()
    outcomes = {o.source_path: o for o in ingest_contract(con, contract, folder)}
    assert outcomes["hr/a_endless.csv"].status == "failed"
    assert "rule: max_line_length" in outcomes["hr/a_endless.csv"].error
    assert outcomes["hr/b_quote.csv"].status in ("failed", "loaded")  # never an exception out of the loader
    assert outcomes["hr/good.csv"].status == "loaded"
