"""Drafting a contract from an export: the profile (encoding, delimiter, preamble, formats, keys) and a draft
that loads as it is, for tiny files made here and for every real file in ../shared/realdata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml

from assets.ingest.contracts import load_contract
from assets.ingest.draft import DraftError, draft_contract, profile_file
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging
from pipelines.cli import main

ROOT = Path(__file__).resolve().parents[2]
REALDATA = ROOT.parent / "shared" / "realdata"
REAL_FILES = sorted(REALDATA.glob("*/*.csv")) if REALDATA.exists() else []


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def drafted(path: Path, tmp_path: Path, **options):
    """Draft ``path``, write the draft next to it and load it: (text, contract, parsed YAML)."""
    text = draft_contract(path, **options)
    out = tmp_path / "drafts" / f"{path.stem.replace('-', '_')}.yaml"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text, load_contract(out), yaml.safe_load(text)


@pytest.mark.parametrize("path", REAL_FILES or [None], ids=lambda p: f"{p.parent.name}/{p.name}" if p else "absent")
def test_every_real_file_drafts_a_contract_that_loads(path, tmp_path):
    if path is None:
        pytest.skip(f"{REALDATA} is absent (the real data sets live next to the project, not in a clone)")
    text, contract, _ = drafted(path, tmp_path)
    assert text.startswith("# DRAFT contract for ")
    assert contract.files == [path.name]
    assert contract.read_columns


def _real(relative: str) -> Path:
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (the real data sets live next to the project, not in a clone)")
    return path


def test_huebner_draft_maps_to_employees_with_its_quirks(tmp_path):
    text, contract, _ = drafted(_real("hr_huebner_v14/HRDataset_v14.csv"), tmp_path)
    assert contract.maps_to == "employees"
    assert contract.primary_key == ["employee_id"]
    assert contract.columns["employee_id"].aliases == ["EmpID"]
    assert contract.columns["hire_date"].formats == ["%m/%d/%Y"]
    birth = contract.columns["birth_date"]
    assert birth.aliases == ["DOB"] and birth.formats == ["%m/%d/%y"] and birth.century_start is not None
    assert "N/A-StillEmployed" in contract.null_values
    assert contract.columns["zip"].type == "string" and contract.columns["zip"].pattern == r"\d{5}"
    assert "UTF-8 with BOM" in text
    assert "does not provide: national_id" in text


def test_lambeth_invoice_file_has_its_header_under_the_preamble(tmp_path):
    text, contract, _ = drafted(_real("spend_lambeth_over500/2012-06-payments.csv"), tmp_path)
    assert "Header on line 10: 9 preamble line(s)" in text
    assert contract.maps_to == "spend_transactions"
    assert contract.columns["transaction_date"].formats == ["%d/%m/%Y"]
    assert contract.columns["amount"].type == "decimal"
    assert "639 rows do not have the header's 6 fields" in text


def test_montgomery_money_strings_are_decimals_with_currency(tmp_path):
    text, contract, _ = drafted(_real("payroll_montgomery_md/Employee_Salaries_-_2016.csv"), tmp_path)
    assert contract.maps_to == "pay_summaries"
    assert contract.currency == "USD"
    assert contract.columns["overtime_pay"].type == "decimal"
    assert contract.columns["overtime_pay"].aliases == ["2016 Overtime Pay"]
    assert "-2,222.85 .. " in text


def test_day_month_ambiguity_is_reported_and_day_first_is_a_guess(tmp_path):
    path = write(tmp_path, "visits.csv", "visit_no,visit_date\n1,01/02/2024\n2,03/04/2024\n3,11/12/2024\n")
    text, contract, _ = drafted(path, tmp_path)
    assert contract.columns["visit_date"].formats == ["%d/%m/%Y"]
    assert "every value reads as %d/%m/%Y and as %m/%d/%Y; day-first is a guess" in text


def test_ambiguous_column_follows_the_order_another_column_proves(tmp_path):
    path = write(tmp_path, "orders.csv", "order_no,ordered,shipped\n1,12/25/2023,01/02/2024\n2,12/31/2023,03/04/2024\n")
    text, contract, _ = drafted(path, tmp_path)
    assert contract.columns["ordered"].formats == ["%m/%d/%Y"]
    assert contract.columns["shipped"].formats == ["%m/%d/%Y"]
    assert "month-first like the file's other date columns" in text


def test_mixed_date_formats_get_one_format_each(tmp_path):
    path = write(tmp_path, "mixed.csv", "ref,booked\nA,2024-01-31\nB,31/01/2024\nC,15/02/2024\n")
    _, contract, _ = drafted(path, tmp_path)
    assert contract.columns["booked"].formats == ["%d/%m/%Y", "%Y-%m-%d"]


def test_two_digit_years_get_a_century_window_that_staging_applies(tmp_path, con):
    landing = tmp_path / "landing"
    path = write(landing, "people.csv", "person_id,dob\nA,25/12/51\nB,13/01/83\nC,31/03/05\n")
    text, contract, _ = drafted(path, tmp_path, landing_dir=landing)
    dob = contract.columns["birth_date"]  # person_id and dob are the canonical employee_id and birth_date
    assert dob.aliases == ["dob"] and dob.formats == ["%d/%m/%y"]
    assert dob.century_start == dt.date.today().year - 99
    assert "two-digit years: read in" in text
    ingest_contract(con, contract, landing)
    assert build_staging(con, contract).rows_quarantined == 0
    staged = con.execute(f"select employee_id, birth_date from staging.{contract.staging_table} order by 1").fetchall()
    assert staged == [("A", dt.date(1951, 12, 25)), ("B", dt.date(1983, 1, 13)), ("C", dt.date(2005, 3, 31))]


def test_bom_file_header_is_read_without_the_bom(tmp_path):
    path = write(tmp_path, "staff.csv", "\ufeffStaff ID,Full Name\r\n001,Ann\r\n002,Bob\r\n".encode())
    text, contract, _ = drafted(path, tmp_path)
    assert "UTF-8 with BOM, CRLF line ends" in text
    assert contract.columns["employee_id"].aliases == ["Staff ID"]  # a synonym of the canonical employee_id
    assert contract.columns["employee_id"].pattern == r"\d{3}"
    assert contract.columns["full_name"].personal


def test_semicolon_file_with_a_preamble_and_comma_decimals(tmp_path, con):
    landing = tmp_path / "landing"
    content = (
        "Payments report;;\nPrinted: 02/07/2024;;\n;;\n"
        "Supplier;Paid on;Amount\nAcme BV;03.06.2024;1.234,50\nBeta GmbH;17.06.2024;99,00\n"
    )
    path = write(landing / "spend", "payments.csv", content.encode("cp1252"))
    text, contract, data = drafted(path, tmp_path, landing_dir=landing)
    assert data["csv"] == {"delimiter": ";"}
    assert "Header on line 4: 3 preamble line(s) above it, first: 'Payments report;;'" in text
    assert contract.number_format.decimal_separator == ","
    assert contract.number_format.thousands_separator == "."
    assert contract.files == ["spend/payments.csv"] and contract.system == "spend"
    assert contract.columns["transaction_date"].formats == ["%d.%m.%Y"]
    ingest_contract(con, contract, landing)
    assert build_staging(con, contract).rows_quarantined == 0
    amounts = con.execute(f"select amount::double from staging.{contract.staging_table} order by 1").fetchall()
    assert amounts == [(99.0,), (1234.5,)]


def test_money_sentinels_leading_zeros_keys_constants_and_duplicates(tmp_path):
    content = (
        "Code,Zip,Salary,Reason,Region,Note\n"
        '10,01960,"$-2,222.85",N/A-StillEmployed,EU,x\n'
        '11,02134,"$8,257.39",Moved,EU,y\n'
        "12,10001,$100.00,N/A-StillEmployed,EU,z\n"
        "12,10001,$100.00,N/A-StillEmployed,EU,z\n"
    )
    profile = profile_file(write(tmp_path, "pay.csv", content))
    columns = {c.header: c for c in profile.columns}
    assert profile.duplicate_rows == 1
    assert profile.null_markers["N/A-StillEmployed"] == 3
    assert columns["Zip"].type == "string" and columns["Zip"].leading_zeros and columns["Zip"].pattern == r"\d{5}"
    salary = columns["Salary"]
    assert (salary.type, salary.thousands, salary.money_symbols) == ("decimal", ",", ["$"])
    assert float(salary.minimum) == -2222.85
    assert columns["Region"].constant == "EU"
    assert profile.candidate_keys == []  # a duplicate row means no key
    text, contract, _ = drafted(tmp_path / "pay.csv", tmp_path)
    assert contract.number_format.thousands_separator == ","
    assert "N/A-StillEmployed" in contract.null_values
    assert "1 exact duplicate rows" in text and "Constant columns: Region = 'EU'" in text


def test_candidate_keys_and_a_primary_key_for_an_id_column(tmp_path):
    path = write(tmp_path, "things.csv", "thing_id,name,colour\nT1,a,red\nT2,b,red\nT3,c,blue\n")
    text, contract, _ = drafted(path, tmp_path)
    assert "Candidate keys (unique and never blank in the file): thing_id; name." in text
    assert contract.primary_key == ["thing_id"]


def test_mixed_encoding_and_cr_line_ends_are_reported(tmp_path):
    path = write(tmp_path, "old.csv", "name,city\rJos\xe9,Sevilla\rAnn,Leeds\r".encode("cp1252"))
    text, contract, _ = drafted(path, tmp_path)
    assert "cp1252 (Windows-1252), CR line ends" in text
    assert contract.columns["city"].aliases == []  # the header is the name already


def test_excel_sheet_with_a_title_row(tmp_path):
    import xlsxwriter

    path = tmp_path / "vendors.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Vendors")
    sheet.write_row(0, 0, ["Vendor list"])
    sheet.write_row(2, 0, ["Vendor ID", "Vendor Name", "Created"])
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for row, (vid, name, created) in enumerate([("V01", "Acme", dt.date(2024, 1, 5)), ("V02", "Beta", None)], 3):
        sheet.write_row(row, 0, [vid, name])
        if created:
            sheet.write_datetime(row, 2, dt.datetime.combine(created, dt.time()), date_format)
    book.close()
    text, contract, data = drafted(path, tmp_path, entity="vendors")
    assert data["sheet"] == "Vendors" and contract.maps_to == "vendors"
    assert "Header on line 3" in text
    assert contract.columns["vendor_id"].aliases == ["Vendor ID"]
    assert contract.columns["created_date"].type == "date"


def test_parquet_types_come_from_its_schema(tmp_path):
    path = tmp_path / "lines.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 1::bigint as line_no, date '2024-01-31' as posting_date, 12.5::decimal(10,2) as amount, "
            f"'x' as memo) to '{path}' (format parquet)"
        )
    _, contract, _ = drafted(path, tmp_path)
    types = {name: spec.type for name, spec in contract.columns.items()}
    assert contract.maps_to == "gl_entries"  # line_no, posting_date and memo (a synonym of description)
    assert (types["line_no"], types["posting_date"], types["description"]) == ("integer", "date", "string")
    assert types["amount"] == "decimal" and not contract.columns["posting_date"].formats


def test_unknown_entity_and_unreadable_files_are_refused(tmp_path):
    path = write(tmp_path, "a.csv", "x,y\n1,2\n")
    with pytest.raises(DraftError, match="not a canonical entity; known: .*employees"):
        draft_contract(path, entity="employeez")
    with pytest.raises(DraftError, match="empty"):
        draft_contract(write(tmp_path, "empty.csv", ""))
    with pytest.raises(DraftError, match="extension '.json'"):
        draft_contract(write(tmp_path, "a.json", "{}"))


def test_headers_that_collide_after_normalising_keep_the_contract_valid(tmp_path):
    path = write(tmp_path, "dup.csv", "Amount,amount,Sex,Gender,2016 Hours,#,%\n1,2,M,M,3,a,b\n4,5,F,F,6,c,d\n")
    text, contract, _ = drafted(path, tmp_path)
    assert "repeats the header 'amount' of column 1" in text
    assert "column 6 holds values but its header '#' has no letters or digits" in text
    assert contract.columns["gender"].aliases == ["Gender"]
    assert contract.columns["amount"].aliases == ["Amount"]
    assert contract.columns["hours_2016"].aliases == ["2016 Hours"]


def test_cli_draft_contract_prints_writes_and_does_not_overwrite(tmp_path, capsys, isolated_settings):
    path = write(tmp_path, "a.csv", "employee_id,hire_date\nE1,2024-01-02\nE2,2024-02-03\n")
    assert main(["draft-contract", str(path)]) == 0
    assert "maps_to: employees" in capsys.readouterr().out
    out = tmp_path / "contracts" / "hr__employees.yaml"
    assert main(["draft-contract", str(path), "--out", str(out), "--system", "hr"]) == 0
    assert load_contract(out).name == "hr__employees"
    assert main(["draft-contract", str(path), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["draft-contract", str(path), "--out", str(out), "--force", "--entity", "nope"]) == 2
    assert "not a canonical entity" in capsys.readouterr().err


def test_only_a_sample_is_profiled_and_the_draft_says_so(tmp_path):
    path = write(tmp_path, "many.csv", "n,label\n" + "".join(f"{i},L{i % 3}\n" for i in range(40)))
    profile = profile_file(path, sample_rows=10)
    assert (profile.n_rows, profile.truncated, profile.layout.total_rows) == (10, True, 40)
    assert [c.header for c in profile.columns] == ["n", "label"]
