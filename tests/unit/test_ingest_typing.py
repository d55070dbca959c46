"""Typing never loses or silently corrupts a value (issue 12): decimals keep the file's digits and a value with
more places than the declared scale is a violation, not a rounded number; two-digit years need a century; dates
that read both day-first and month-first are reported; a column may null a bad value and flag it instead of
quarantining the row; a quarantined row lists every rule it breaks. Every test checks the row accounting of
every file: rows read = rows staged + rows quarantined."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assets.ingest.contracts import ContractError, load_contract
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging, flagged_values, staging_layout_current
from assets.ingest.validate import ambiguous_date_orders
from checks import sources

HEAD = """
entity: {entity}
system: typing
domain: finance
description: d
grain: one row per line
files: ["{entity}/*.csv"]
"""


def write_contract(tmp_path: Path, entity: str, body: str) -> Path:
    path = tmp_path / "contracts" / f"typing__{entity}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(HEAD.format(entity=entity)).lstrip() + textwrap.dedent(body), encoding="utf-8")
    return path


def land(tmp_path: Path, entity: str, name: str, text: str) -> Path:
    path = tmp_path / "landing" / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def load(con, tmp_path: Path, contract_path: Path):
    contract = load_contract(contract_path)
    ingest_contract(con, contract, tmp_path / "landing")
    build_staging(con, contract)
    assert_accounting(con, contract.name)
    return contract


def assert_accounting(con, name: str) -> None:
    rows = con.execute(
        "select source_path, rows_read, rows_staged, rows_quarantined from meta.load_manifest "
        "where contract = ? and status = 'loaded'",
        [name],
    ).fetchall()
    assert rows, f"no file of {name} loaded"
    for path, read, staged, quarantined in rows:
        assert read == staged + quarantined, f"{path}: read {read}, staged {staged}, quarantined {quarantined}"


def quarantine(con, name: str) -> dict[int, tuple]:
    rows = con.execute(f"select _line_no, rule, column_name, rules, column_names, reason from quarantine.{name}")
    return {r[0]: r[1:] for r in rows.fetchall()}


# -- 1. decimals ------------------------------------------------------------------------------------------------
def test_a_decimal_keeps_the_files_digits_by_default(tmp_path, con):
    """Before: DECIMAL(18,2), and 239.554 was staged as 239.55 on every row, silently."""
    contract_path = write_contract(
        tmp_path, "fees", "primary_key: [fee_id]\ncolumns:\n  fee_id: {required: true}\n  amount: {type: decimal}\n"
    )
    land(tmp_path, "fees", "2024-01.csv", 'fee_id,amount\nF1,239.554\nF2,12.5\nF3,1.5e-3\nF4,"(7.125)"\n')
    contract = load(con, tmp_path, contract_path)
    types = con.execute(
        "select data_type from duckdb_columns() where schema_name = 'staging' and column_name = 'amount'"
    ).fetchall()
    assert types == [("DECIMAL(25,9)",)]
    rows = dict(con.execute(f"select fee_id, amount from staging.{contract.staging_table}").fetchall())
    assert rows == {"F1": Decimal("239.554"), "F2": Decimal("12.5"), "F3": Decimal("0.0015"), "F4": Decimal("-7.125")}


def test_more_places_than_the_declared_scale_is_a_violation_not_a_rounding(tmp_path, con):
    body = """
    primary_key: [fee_id]
    columns:
      fee_id: {required: true}
      amount: {type: decimal, scale: 2}
      fx_rate: {type: decimal, precision: 6, scale: 4}
      quantity: {type: integer}
    """
    contract_path = write_contract(tmp_path, "fees", body)
    land(
        tmp_path, "fees", "2024-01.csv",
        """
        fee_id,amount,fx_rate,quantity
        F1,239.554,1.5,1
        F2,239.55,1.2345,2
        F6,1.1,1.23456,2
        F3,"1,000.10",123.4567,3
        F4,12.500,12.5,12.0000001
        F5,1,99.5,1e3
        """,
    )  # fmt: skip
    contract = load(con, tmp_path, contract_path)
    staged = dict(con.execute(f"select fee_id, amount from staging.{contract.staging_table}").fetchall())
    assert staged == {"F2": Decimal("239.55"), "F5": Decimal("1")}
    assert con.execute(f"select quantity from staging.{contract.staging_table} where fee_id = 'F5'").fetchone() == (
        1000,
    )
    bad = quarantine(con, contract.name)
    assert bad[2][:2] == ("decimal_scale", "amount")
    assert "'239.554' has 3 decimal places, more than its scale 2 (not rounded)" in bad[2][4]
    assert bad[4][:2] == ("decimal_scale", "fx_rate")  # 1.23456
    assert bad[5][:2] == ("type_decimal", "amount")  # 1,000.10: no thousands separator declared
    assert bad[5][2:4] == (["type_decimal", "type_decimal"], ["amount", "fx_rate"])  # 123.4567 needs 7 digits
    assert "at most 2 digits before the decimal point" in bad[5][4]
    assert bad[6][:2] == ("type_integer", "quantity")  # 12.0000001 was staged as 12 before
    types = con.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = 'staging' and table_name = ? "
        "and column_name in ('amount', 'fx_rate')",
        [contract.staging_table],
    ).fetchall()
    assert set(types) == {("amount", "DECIMAL(18,2)"), ("fx_rate", "DECIMAL(6,4)")}


@pytest.mark.parametrize(
    ("number_format", "rows"),
    [
        (
            "",
            {"007": 7, "-5": -5, "5.0": 5, "1e3": 1000, "Rp 1200": 1200, "(8)": -8, "5.5": None, "0x10": None,
             "5_000": 5000, "--5": None, "12345678901234567890": None},
        ),
        (
            "number_format: {thousands_separator: '.', decimal_separator: ','}\n",
            {"1.000": 1000, "1.000.000": 1000000, "-25": -25, "7,0": 7, "7,5": None},
        ),
    ],
)  # fmt: skip
def test_a_bare_number_reads_as_the_cleaned_one_does(tmp_path, con, number_format, rows):
    # digits alone are read straight as a bigint (staging's fast path); a value with anything else is cleaned first
    # and must be a whole number: every value below stages or is quarantined as before the fast path
    contract_path = write_contract(
        tmp_path, "counts", number_format + "columns:\n  label: {required: true}\n  n: {type: integer}\n"
    )
    lines = "".join(f'"{text}","{text}"\n' for text in rows)
    land(tmp_path, "counts", "2024-01.csv", "label,n\n" + lines)
    contract = load(con, tmp_path, contract_path)
    staged = dict(con.execute(f"select label, n from staging.{contract.staging_table}").fetchall())
    assert staged == {text: n for text, n in rows.items() if n is not None}
    refused = {row[0] for row in quarantine(con, contract.name).values()}
    assert refused == ({"type_integer"} if None in rows.values() else set())


def test_decimal_keys_are_checked_when_the_contract_loads(tmp_path):
    for column, expected in [
        ("{type: string, scale: 2}", "precision and scale apply to type: decimal only"),
        ("{type: decimal, precision: 10}", "precision needs scale too"),
        ("{type: decimal, precision: 4, scale: 6}", "scale 6 is larger than precision 4"),
        ("{type: decimal, scale: 40}", "columns.amount.scale"),
    ]:
        path = write_contract(tmp_path, "fees", f"columns:\n  fee_id: {{required: true}}\n  amount: {column}\n")
        with pytest.raises(ContractError, match="columns.amount") as raised:
            load_contract(path)
        assert expected in str(raised.value)


def test_the_demo_decimals_stage_as_before(tmp_path, con):
    """The demo's decimals have at most two places: the values are the same numbers as under DECIMAL(18,2)."""
    contract_path = write_contract(
        tmp_path, "hours", "columns:\n  line_id: {required: true}\n  hours: {type: decimal, min: 0, max: 24}\n"
    )
    land(tmp_path, "hours", "a.csv", "line_id,hours\nL1,1.5\nL2,0\nL3,24.00\nL4,7.25\n")
    contract = load(con, tmp_path, contract_path)
    values = con.execute(f"select hours::decimal(18,2) = hours, hours from staging.{contract.staging_table}")
    assert all(same for same, _ in values.fetchall())


# -- 2. two-digit years -----------------------------------------------------------------------------------------
def test_a_two_digit_year_without_century_start_is_refused_naming_the_column(tmp_path):
    """Before: '6/23/52' became 2052 (DuckDB's pivot) and nothing warned."""
    path = write_contract(
        tmp_path,
        "people",
        "columns:\n  person_id: {required: true}\n  birth_date: {type: date, formats: ['%m/%d/%y']}\n",
    )
    with pytest.raises(ContractError) as raised:
        load_contract(path)
    message = str(raised.value)
    assert "columns.birth_date" in message and "century_start" in message and "%y" in message
    assert load_contract(path, require_century=False).columns["birth_date"].century_start is None


def test_the_century_window_applies_to_the_two_digit_year_formats_only(tmp_path, con):
    body = """
    primary_key: [person_id]
    columns:
      person_id: {required: true}
      birth_date: {type: date, formats: ["%Y-%m-%d", "%m/%d/%y"], century_start: 1930}
      joined: {type: date, formats: ["%m/%d/%y"], century_start: 1980}
    """
    contract_path = write_contract(tmp_path, "people", body)
    # 6/23/52 is 1952 in [1930, 2029]; 1925-01-01 is written with four digits and stays 1925 (not moved into the
    # window); joined 75 is 2075 in [1980, 2079] (DuckDB alone reads it as 1975)
    land(tmp_path, "people", "a.csv", "person_id,birth_date,joined\nP1,6/23/52,1/1/80\nP2,1925-01-01,6/1/75\n")
    contract = load(con, tmp_path, contract_path)
    rows = con.execute(f"select person_id, birth_date, joined from staging.{contract.staging_table} order by 1")
    assert rows.fetchall() == [
        ("P1", dt.date(1952, 6, 23), dt.date(1980, 1, 1)),
        ("P2", dt.date(1925, 1, 1), dt.date(2075, 6, 1)),
    ]


def test_a_format_duckdb_cannot_read_is_refused(tmp_path):
    path = write_contract(
        tmp_path, "people", "columns:\n  person_id: {required: true}\n  hired: {type: date, formats: ['%m/%d/%Q']}\n"
    )
    with pytest.raises(ContractError, match=r"columns.hired.*'%m/%d/%Q' is not a strptime format"):
        load_contract(path)


# -- 3. day-first or month-first --------------------------------------------------------------------------------
DAY_FIRST = """
primary_key: [payment_id]
columns:
  payment_id: {required: true}
  paid_on: {type: date, required: true, formats: ["%d/%m/%Y"]}
"""


def test_every_date_reading_both_ways_is_a_warning_with_the_evidence(tmp_path, con):
    """Before: a month-first file whose days were all <= 12 loaded under a day-first contract with every date
    wrong, and nothing noticed."""
    contract_path = write_contract(tmp_path, "payments", DAY_FIRST)
    # month-first, days <= 12: every value reads both ways
    land(tmp_path, "payments", "us.csv", "payment_id,paid_on\nA,01/02/2024\nB,03/04/2024\nC,05/05/2024\n")
    # a day above 12 settles the order of this file
    land(tmp_path, "payments", "uk.csv", "payment_id,paid_on\nD,25/12/2024\nE,01/02/2024\n")
    contract = load(con, tmp_path, contract_path)
    staged = dict(con.execute(f"select payment_id, paid_on from staging.{contract.staging_table}").fetchall())
    assert staged["A"] == dt.date(2024, 2, 1)  # staged as the contract says: the warning is what changes
    outcome = sources.date_order(con, contract)
    assert not outcome.passed and outcome.severity == "WARN"
    assert outcome.unexpected_count == 1  # us.csv only
    assert "payments/us.csv: every one of the 3 values of paid_on reads with %d/%m/%Y and also with %m/%d/%Y" in (
        outcome.description
    )
    assert "2 would be another date, e.g. '01/02/2024', '03/04/2024'" in outcome.description  # 05/05 is the same
    assert outcome.metadata["ambiguous"][0]["file"] == "payments/us.csv"


def test_each_file_version_is_read_once_per_reading_of_the_column(tmp_path, con):
    """The check read every value of every active file each night (at L, 6 s of a new month's night for four
    columns). A file version's rows never change: it is now read once per reading of the column (its formats and
    cleaning), and a new file, or a changed format, is read."""
    contract_path = write_contract(tmp_path, "payments", DAY_FIRST)
    land(tmp_path, "payments", "us.csv", "payment_id,paid_on\nA,01/02/2024\nB,03/04/2024\n")
    contract = load(con, tmp_path, contract_path)
    assert [f.source_path for f in ambiguous_date_orders(con, contract)] == ["payments/us.csv"]
    # were raw read again, us.csv would now settle its order (a day above 12)
    con.execute(f"update raw.{contract.raw_table} set paid_on = '25/12/2024' where payment_id = 'A'")
    land(tmp_path, "payments", "us_2.csv", "payment_id,paid_on\nC,05/06/2024\n")
    contract = load(con, tmp_path, contract_path)
    assert [f.source_path for f in ambiguous_date_orders(con, contract)] == ["payments/us.csv", "payments/us_2.csv"]
    judged = "select count(*) from meta.date_order_files where contract = ?"
    assert con.execute(judged, [contract.name]).fetchone()[0] == 2
    # another format list is another reading: every file is read again, us.csv with its raw rows of now
    contract_path.write_text(contract_path.read_text().replace('["%d/%m/%Y"]', '["%d/%m/%Y", "%Y-%m-%d"]'))
    contract = load(con, tmp_path, contract_path)
    assert [f.source_path for f in ambiguous_date_orders(con, contract)] == ["payments/us_2.csv"]
    assert con.execute(judged, [contract.name]).fetchone()[0] == 2


def test_a_file_read_with_the_second_format_is_judged_in_that_formats_swapped_order(tmp_path, con):
    """Each value is read once per format and once swapped, in the order of the format it read with: a file
    whose dates read with the second format only is judged by that format (its examples, its swap)."""
    contract_path = write_contract(tmp_path, "payments", DAY_FIRST.replace('["%d/%m/%Y"]', '["%Y/%m/%d", "%d-%m-%Y"]'))
    land(tmp_path, "payments", "us.csv", "payment_id,paid_on\nA,03-04-2024\nB,01-02-2024\nC,06-06-2024\n")
    land(tmp_path, "payments", "iso.csv", "payment_id,paid_on\nD,2024/02/01\nE,2024/12/13\n")
    contract = load(con, tmp_path, contract_path)
    (found,) = ambiguous_date_orders(con, contract)
    assert (found.source_path, found.format, found.swapped) == ("payments/us.csv", "%d-%m-%Y", "%m-%d-%Y")
    assert (found.n_values, found.n_changed, found.examples) == (3, 2, ("01-02-2024", "03-04-2024"))


def test_a_file_with_a_day_above_twelve_or_a_non_numeric_format_is_not_reported(tmp_path, con):
    contract_path = write_contract(tmp_path, "payments", DAY_FIRST)
    land(tmp_path, "payments", "uk.csv", "payment_id,paid_on\nD,25/12/2024\nE,01/02/2024\n")
    contract = load(con, tmp_path, contract_path)
    assert sources.date_order(con, contract).passed


def test_the_source_checks_include_the_date_order_check_for_day_and_month_formats(tmp_path, monkeypatch):
    from checks.ingest import build_source_checks

    path = write_contract(tmp_path, "payments", DAY_FIRST)
    names = {spec.name for spec in build_source_checks(path).check_specs}
    assert sources.DATE_ORDER in names and sources.FLAGGED_VALUES not in names
    iso = write_contract(tmp_path, "iso", "columns:\n  id: {required: true}\n  on: {type: date, formats: ['%Y-%m']}\n")
    assert sources.DATE_ORDER not in {spec.name for spec in build_source_checks(iso).check_specs}


# -- 5. null_and_flag and every violated rule -------------------------------------------------------------------
FLAGGED = """
primary_key: [customer_id]
columns:
  customer_id: {required: true}
  phone: {pattern: '[0-9]{6,}', on_error: null_and_flag}
  credit_limit: {type: decimal, scale: 2, min: 0, on_error: null_and_flag}
  segment: {allowed_values: [retail, corporate]}
  age: {type: integer}
row_rules:
  - {name: adult, sql: "age is null or age >= 18", reason: the customer is under 18}
"""


def test_null_and_flag_stages_the_row_with_the_value_null_and_records_why(tmp_path, con):
    contract_path = write_contract(tmp_path, "customers", FLAGGED)
    land(
        tmp_path, "customers", "a.csv",
        """
        customer_id,phone,credit_limit,segment,age
        C1,0812345678,1000.00,retail,30
        C2,12,250.505,corporate,41
        C3,0812345679,-5,retail,29
        C4,abc,10,wholesale,12.5
        """,
    )  # fmt: skip
    contract = load(con, tmp_path, contract_path)
    staged = con.execute(
        f"select customer_id, phone, credit_limit from staging.{contract.staging_table} order by 1"
    ).fetchall()
    assert staged == [
        ("C1", "0812345678", Decimal("1000.00")),
        ("C2", None, None),  # both values broke their checks: nulled, the row is kept
        ("C3", "0812345679", None),
    ]
    flags = con.execute(
        "select source_path, line_no, column_name, rule, message from meta.staging_flags order by line_no, 3"
    ).fetchall()
    assert flags == [
        ("customers/a.csv", 3, "credit_limit", "decimal_scale",
         "credit_limit: '250.505' has 3 decimal places, more than its scale 2 (not rounded): correct the value or "
         "declare a larger scale"),
        ("customers/a.csv", 3, "phone", "pattern", "phone: '12' does not match [0-9]{6,}"),
        ("customers/a.csv", 4, "credit_limit", "min_value", "credit_limit: '-5' is below the minimum 0"),
    ]  # fmt: skip
    assert flagged_values(con, contract) == 3
    outcome = sources.flagged_values(con, contract)
    assert not outcome.passed and outcome.unexpected_count == 3 and outcome.severity == "WARN"
    # C4 breaks quarantine rules too: the row is quarantined, with every rule it breaks (its flags last)
    rule, column, rules, columns, reason = quarantine(con, contract.name)[5]
    assert (rule, column) == ("allowed_values", "segment")
    assert rules == ["allowed_values", "type_integer", "pattern"]
    assert columns == ["segment", "age", "phone"]
    assert "segment: 'wholesale' is not one of retail, corporate" in reason and "phone: 'abc'" in reason
    manifest = con.execute("select rows_read, rows_staged, rows_quarantined from meta.load_manifest").fetchall()
    assert manifest == [(4, 3, 1)]


def test_a_quarantined_row_lists_every_rule_it_breaks(tmp_path, con):
    """Before: only the first violation was kept (`_violations[1].rule`)."""
    body = FLAGGED.replace(", on_error: null_and_flag", "")
    contract_path = write_contract(tmp_path, "customers", body)
    land(
        tmp_path,
        "customers",
        "a.csv",
        "customer_id,phone,credit_limit,segment,age\nC1,1,-1,x,12\nC1,123456,1,retail,40\n",
    )
    contract = load(con, tmp_path, contract_path)
    rule, column, rules, columns, _ = quarantine(con, contract.name)[2]
    assert (rule, column) == ("pattern", "phone")  # the first, as before
    assert rules == ["pattern", "min_value", "allowed_values", "adult"]
    assert columns == ["phone", "credit_limit", "segment", None]
    assert con.execute(f"select count(*) from staging.{contract.staging_table}").fetchone() == (1,)


def test_null_and_flag_is_refused_where_a_null_breaks_the_contract(tmp_path):
    cases = [
        ("columns:\n  id: {required: true, on_error: null_and_flag}\n", "would leave a required column empty"),
        ("primary_key: [id]\ncolumns:\n  id: {on_error: null_and_flag}\n", "a key cannot be left empty"),
        ("columns:\n  id: {}\n  x: {expr: upper(id), on_error: null_and_flag}\n", "not to expr"),
    ]
    for body, expected in cases:
        with pytest.raises(ContractError, match=expected):
            load_contract(write_contract(tmp_path, "bad", body))


def test_flags_follow_file_versions_in_an_incremental_build(tmp_path, con):
    contract_path = write_contract(tmp_path, "customers", FLAGGED)
    land(tmp_path, "customers", "a.csv", "customer_id,phone,credit_limit,segment,age\nC1,12,1,retail,30\n")
    contract = load(con, tmp_path, contract_path)
    land(tmp_path, "customers", "b.csv", "customer_id,phone,credit_limit,segment,age\nC2,34,1,retail,30\n")
    load(con, tmp_path, contract_path)
    assert con.execute("select source_path from meta.staging_flags order by 1").fetchall() == [
        ("customers/a.csv",),
        ("customers/b.csv",),
    ]
    land(tmp_path, "customers", "a.csv", "customer_id,phone,credit_limit,segment,age\nC1,123456,1,retail,30\n")
    load(con, tmp_path, contract_path)  # a new version of a.csv replaces the old one, and its flag
    assert con.execute("select source_path from meta.staging_flags").fetchall() == [("customers/b.csv",)]
    assert flagged_values(con, contract) == 1


def test_tables_of_an_older_layout_are_rebuilt_not_appended_to(tmp_path, con):
    contract_path = write_contract(
        tmp_path, "fees", "columns:\n  fee_id: {required: true}\n  amount: {type: decimal}\n"
    )
    land(tmp_path, "fees", "a.csv", "fee_id,amount\nF1,1.005\n")
    contract = load(con, tmp_path, contract_path)
    # as an earlier version built them: DECIMAL(18,2), a quarantine without the lists of rules
    con.execute(f"alter table staging.{contract.staging_table} alter amount type decimal(18,2)")
    con.execute(f"alter table quarantine.{contract.name} drop column rules")
    assert not staging_layout_current(con, contract)
    land(tmp_path, "fees", "b.csv", "fee_id,amount\nF2,2.125\n")
    load(con, tmp_path, contract_path)
    assert staging_layout_current(con, contract)
    rows = dict(con.execute(f"select fee_id, amount from staging.{contract.staging_table}").fetchall())
    assert rows == {"F1": Decimal("1.005"), "F2": Decimal("2.125")}


def test_the_staging_asset_reports_flagged_values(tmp_path, con):
    """meta.staging_flags is queryable per file, line, column and rule, and counted per source."""
    contract_path = write_contract(tmp_path, "customers", FLAGGED)
    land(
        tmp_path,
        "customers",
        "a.csv",
        "customer_id,phone,credit_limit,segment,age\nC1,12,1,retail,30\nC2,1,1,retail,31\n",
    )
    contract = load(con, tmp_path, contract_path)
    per_file = con.execute(
        "select source_path, column_name, rule, count(*) from meta.staging_flags where contract = ? group by all",
        [contract.name],
    ).fetchall()
    assert per_file == [("customers/a.csv", "phone", "pattern", 2)]


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()
