"""Contracts that map a source into a canonical entity: computed columns in staging, then the canonical union
with filters, load modes, currencies, key prefixes and competing sources. Every figure is worked out by hand."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assets.canonical.build import build_canonical, mapping_problems
from assets.canonical.catalog import entity
from assets.ingest.contracts import ContractError, load_contract
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging, glob_regex


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def stage(con, contract_path: Path, landing: Path, day: int = 1):
    contract = load_contract(contract_path)
    outcomes = ingest_contract(con, contract, landing, loaded_at=dt.datetime(2026, 1, day))
    build_staging(con, contract)
    return contract, outcomes


def rates(con, rows):
    con.execute("create schema if not exists reference")
    con.execute(
        "create or replace table reference.exchange_rates (from_currency varchar, to_currency varchar, "
        "rate decimal(18,8), effective_from date, effective_to date, source varchar)"
    )
    con.executemany("insert into reference.exchange_rates values (?, ?, ?, ?, ?, 'test')", rows)


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_glob_regex_captures_the_named_parts():
    import re

    pattern = glob_regex("spend/{period}-payments.csv")
    assert re.match(pattern, "spend/2011-03-payments.csv").group(1) == "2011-03"
    assert re.match(glob_regex("a/*/{year}.csv"), "a/x/2016.csv").group(1) == "2016"


SPEND_CONTRACT = """
    entity: card_spend
    system: bank1
    domain: finance
    description: Card statement lines.
    grain: one row per card line
    maps_to: spend_transactions
    currency: GBP
    files: ["cards/{period}-statement.csv"]
    filter: line_kind = 'line'
    columns:
      line_kind: {aliases: [Kind]}
      vendor_name: {aliases: [Merchant]}
      amount: {type: decimal, aliases: [Amount], negate_when: "dc = 'CR'"}
      dc: {aliases: [DC], allowed_values: [DR, CR]}
      category: {aliases: [Category], map: {TRV: travel, FOOD: meals}}
      period: {from_path: period}
      transaction_date: {type: date, expr: "strptime(period || '-01', '%Y-%m-%d')::date"}
      department_id: {value: FIN}
      description: {expr: "upper(vendor_name)"}
"""


def test_computed_columns_and_canonical_conversion(con, tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "cards" / "2011-03-statement.csv",
        """
        Kind,Merchant,Amount,DC,Category
        line,Rail Co,100.00,DR,TRV
        line,Rail Co,40.00,CR,TRV
        line,Cafe,10.50,DR,FOOD
        line,Hotel,80.00,DR,SLEEP
        total,,150.50,DR,
        """,
    )
    contract, outcomes = stage(con, write(tmp_path / "c" / "bank1__card_spend.yaml", SPEND_CONTRACT), landing)
    assert [o.status for o in outcomes] == ["loaded"]
    staged = con.execute(
        "select vendor_name, amount, category, period, transaction_date, department_id, description "
        "from staging.stg_bank1__card_spend order by _line_no"
    ).fetchall()
    march = dt.date(2011, 3, 1)
    assert staged == [
        ("Rail Co", Decimal("100.00"), "travel", "2011-03", march, "FIN", "RAIL CO"),
        ("Rail Co", Decimal("-40.00"), "travel", "2011-03", march, "FIN", "RAIL CO"),
        ("Cafe", Decimal("10.50"), "meals", "2011-03", march, "FIN", "CAFE"),
        (None, Decimal("150.50"), None, "2011-03", march, "FIN", None),
    ]
    quarantined = con.execute("select rule, reason from quarantine.bank1__card_spend").fetchall()
    assert quarantined == [("value_map", "category: 'SLEEP' is not in the map")]

    rates(con, [("GBP", "USD", Decimal("1.6"), dt.date(2011, 1, 1), dt.date(2011, 12, 31))])
    spend = entity("spend_transactions")
    counts = build_canonical(con, spend, [contract], "USD")
    rows = con.execute(
        "select vendor_name, amount, department_id, source_system from canonical.spend_transactions order by _line_no"
    ).fetchall()
    # GBP 100, -40 and 10.50 at 1.6 USD; the total line is filtered out, not lost
    assert rows == [
        ("Rail Co", Decimal("160.00"), "FIN", "bank1"),
        ("Rail Co", Decimal("-64.00"), "FIN", "bank1"),
        ("Cafe", Decimal("16.80"), "FIN", "bank1"),
    ]
    assert [(c.rows_staged, c.rows_mapped) for c in counts] == [(4, 3)]
    accounting = con.execute(
        "select rows_staged, rows_filtered_out, rows_rejected, rows_mapped from meta.canonical_sources"
    ).fetchall()
    assert accounting == [(4, 1, 0, 3)]


def test_rows_without_an_exchange_rate_are_held_back_with_the_reason(con, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "cards" / "2012-07-statement.csv", "Kind,Merchant,Amount,DC,Category\nline,Cafe,5.00,DR,FOOD\n")
    contract, _ = stage(con, write(tmp_path / "c" / "bank1__card_spend.yaml", SPEND_CONTRACT), landing)
    rates(con, [("GBP", "USD", Decimal("1.6"), dt.date(2011, 1, 1), dt.date(2011, 12, 31))])
    build_canonical(con, entity("spend_transactions"), [contract], "USD")
    assert con.execute("select count(*) from canonical.spend_transactions").fetchone() == (0,)
    assert con.execute("select rule, reason from meta.canonical_rejects").fetchall() == [
        ("exchange_rate", "no exchange rate GBP to USD in reference.exchange_rates on 2012-07-01")
    ]


MASTER = """
    entity: {entity}
    system: {system}
    domain: hr
    description: Employee master.
    grain: one row per employee
    maps_to: employees
    files: ["{folder}/*.csv"]
    primary_key: [employee_id]
    load_mode: {mode}
    priority: {priority}
    columns:
      employee_id: {{aliases: [id]}}
      department_id: {{aliases: [dept]}}
      hire_date: {{type: date, aliases: [hired]}}
      termination_date: {{type: date, aliases: [left]}}
"""


def master(tmp_path, name="hr1__staff", folder="hr", mode="append", priority=100, **extra) -> Path:
    system, _, entity_name = name.partition("__")
    text = MASTER.format(entity=entity_name, system=system, folder=folder, mode=mode, priority=priority)
    for key, value in extra.items():
        text += f"    {key}: {value}\n"
    return write(tmp_path / "c" / f"{name}.yaml", text)


def test_snapshot_keeps_the_newest_picture_and_infers_leavers(con, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "hr" / "2026-01.csv", "id,dept,hired,left\nE1,A,2020-01-01,\nE2,A,2021-01-01,\n")
    contract, _ = stage(con, master(tmp_path, mode="snapshot"), landing, day=1)
    write(landing / "hr" / "2026-02.csv", "id,dept,hired,left\nE1,B,2020-01-01,\n")
    contract, _ = stage(con, master(tmp_path, mode="snapshot"), landing, day=2)
    build_canonical(con, entity("employees"), [contract], "IDR")
    rows = con.execute(
        "select employee_id, department_id, termination_date, is_inferred_leaver "
        "from canonical.employees order by employee_id"
    ).fetchall()
    # E1 moved to B in the newer snapshot; E2 is missing from it: kept, its last day the day it was last seen
    assert rows == [("E1", "B", None, False), ("E2", "A", dt.date(2026, 1, 1), True)]
    assert con.execute("select rows_staged, rows_not_current, rows_mapped from meta.canonical_sources").fetchall() == [
        (3, 1, 2)
    ]


def test_replace_keeps_only_the_newest_file(con, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "hr" / "a.csv", "id,dept,hired,left\nE1,A,2020-01-01,\nE2,A,2021-01-01,\n")
    stage(con, master(tmp_path, mode="replace"), landing, day=1)
    write(landing / "hr" / "b.csv", "id,dept,hired,left\nE3,A,2022-01-01,\n")
    contract, _ = stage(con, master(tmp_path, mode="replace"), landing, day=2)
    build_canonical(con, entity("employees"), [contract], "IDR")
    assert con.execute("select employee_id from canonical.employees").fetchall() == [("E3",)]


def test_two_sources_of_one_entity_union_with_prefixes_and_priorities(con, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "hr" / "a.csv", "id,dept,hired,left\nE1,A,2020-01-01,\nE2,A,2021-01-01,\n")
    write(landing / "pay" / "b.csv", "id,dept,hired,left\nE2,B,2021-02-01,\nE9,B,2019-05-01,\n")
    first, _ = stage(con, master(tmp_path, "hr1__staff", "hr", priority=1), landing)
    second, _ = stage(con, master(tmp_path, "pay1__staff", "pay", priority=2), landing)
    build_canonical(con, entity("employees"), [second, first], "IDR")
    rows = con.execute(
        "select employee_id, department_id, source_system from canonical.employees order by 1"
    ).fetchall()
    assert rows == [("E1", "A", "hr1"), ("E2", "A", "hr1"), ("E9", "B", "pay1")]
    assert con.execute("select contract, _line_no, rule, reason from meta.canonical_rejects").fetchall() == [
        ("pay1__staff", 2, "key_claimed", "key (employee_id=E2) is also claimed by hr1__staff, which has priority")
    ]
    prefixed, _ = stage(con, master(tmp_path, "pay1__staff", "pay", priority=2, key_prefix="P-"), landing)
    build_canonical(con, entity("employees"), [first, prefixed], "IDR")
    ids = con.execute("select employee_id, department_id from canonical.employees order by 1").fetchall()
    assert ids == [("E1", "A"), ("E2", "A"), ("P-E2", "B"), ("P-E9", "B")]


def test_an_entity_no_source_maps_into_is_an_empty_table_with_every_column(con):
    build_canonical(con, entity("payslip_lines"), [], "IDR")
    columns = [r[0] for r in con.execute("describe canonical.payslip_lines").fetchall()]
    assert columns[:6] == ["run_id", "period", "pay_date", "employee_id", "component_code", "amount_idr"]
    assert con.execute("select count(*) from canonical.payslip_lines").fetchone() == (0,)


def test_mapping_problems_name_the_column_and_both_types(tmp_path):
    path = master(tmp_path)
    text = path.read_text().replace("hire_date: {type: date", "hire_date: {type: integer")
    path.write_text(text)
    problems = mapping_problems(load_contract(path), entity("employees"))
    assert problems == ["column 'hire_date' is integer in the contract but date in canonical entity 'employees'"]


def test_a_column_computed_two_ways_is_refused(tmp_path):
    path = write(tmp_path / "x__y.yaml", SPEND_CONTRACT.replace("{value: FIN}", "{value: FIN, expr: \"'x'\"}"))
    with pytest.raises(ContractError, match="department_id.*one of expr, value or from_path"):
        load_contract(path)


def test_from_path_must_name_a_capture_of_the_files_pattern(tmp_path):
    path = write(tmp_path / "x__y.yaml", SPEND_CONTRACT.replace("{from_path: period}", "{from_path: month}"))
    with pytest.raises(ContractError, match="from_path 'month' is not a \\{capture\\}"):
        load_contract(path)


def test_an_older_snapshot_delivered_late_does_not_replace_the_newer_picture(con, tmp_path):
    landing = tmp_path / "landing"
    dated = master(tmp_path, mode="snapshot")
    text = dated.read_text().replace('files: ["hr/*.csv"]', 'files: ["hr/{snapshot}.csv"]')
    dated.write_text(text + "  snapshot_date: {type: date, from_path: snapshot}\n")
    write(landing / "hr" / "2026-02-01.csv", "id,dept,hired,left\nE1,B,2020-01-01,\n")
    contract, _ = stage(con, dated, landing, day=1)
    write(landing / "hr" / "2026-01-01.csv", "id,dept,hired,left\nE1,A,2020-01-01,\nE2,A,2021-01-01,\n")
    contract, _ = stage(con, dated, landing, day=2)
    build_canonical(con, entity("employees"), [contract], "IDR")
    rows = con.execute(
        "select employee_id, department_id, termination_date, is_inferred_leaver from canonical.employees order by 1"
    ).fetchall()
    # the February picture stays the newest although January's file came later; E2 was last seen on 1 January
    assert rows == [("E1", "B", None, False), ("E2", "A", dt.date(2026, 1, 1), True)]


def _canonical_spend(con) -> list:
    return con.execute(
        "select vendor_name, amount, _file_sha256 from canonical.spend_transactions order by all"
    ).fetchall()


def test_an_append_source_is_mapped_file_by_file_and_equals_a_whole_build(con, tmp_path):
    landing = tmp_path / "landing"
    contract_path = write(tmp_path / "c" / "bank1__card_spend.yaml", SPEND_CONTRACT)
    rates(con, [("GBP", "USD", Decimal("1.6"), dt.date(2011, 1, 1), dt.date(2011, 12, 31))])
    spend = entity("spend_transactions")
    write(landing / "cards" / "2011-03-statement.csv", "Kind,Merchant,Amount,DC,Category\nline,Cafe,5.00,DR,FOOD\n")
    write(landing / "cards" / "2011-04-statement.csv", "Kind,Merchant,Amount,DC,Category\nline,Inn,7.00,DR,TRV\n")
    contract, _ = stage(con, contract_path, landing)
    build_canonical(con, spend, [contract], "USD")
    march = con.execute("select file_sha256 from meta.canonical_files where rows_mapped = 1 order by all").fetchall()
    assert len(march) == 2

    # April is exported again with a correction (a new version replaces the old), May arrives, with a line
    # filtered out and one without a rate; March is not mapped again
    write(landing / "cards" / "2011-04-statement.csv", "Kind,Merchant,Amount,DC,Category\nline,Inn,9.00,DR,TRV\n")
    write(
        landing / "cards" / "2012-05-statement.csv",
        "Kind,Merchant,Amount,DC,Category\nline,Bus,2.00,DR,TRV\ntotal,,2.00,DR,\n",
    )
    contract, _ = stage(con, contract_path, landing, day=2)
    con.execute("update canonical.spend_transactions set vendor_name = 'kept' where vendor_name = 'Cafe'")
    build_canonical(con, spend, [contract], "USD")
    rows = _canonical_spend(con)
    assert [(v, a) for v, a, _ in rows] == [("Inn", Decimal("14.40")), ("kept", Decimal("8.00"))]
    assert con.execute("select rule from meta.canonical_rejects").fetchall() == [("exchange_rate",)]
    accounting = "select rows_staged, rows_filtered_out, rows_rejected, rows_mapped from meta.canonical_sources"
    assert con.execute(accounting).fetchall() == [(4, 1, 1, 2)]

    # nothing new: nothing written; new rates: mapped whole again, as a whole build maps them
    build_canonical(con, spend, [contract], "USD")
    assert _canonical_spend(con) == rows
    rates(con, [("GBP", "USD", Decimal("1.5"), dt.date(2011, 1, 1), dt.date(2012, 12, 31))])
    build_canonical(con, spend, [contract], "USD")
    by_file = _canonical_spend(con)
    assert [(v, a) for v, a, _ in by_file] == [("Bus", Decimal("3.00")), ("Cafe", Decimal("7.50")),
                                               ("Inn", Decimal("13.50"))]  # fmt: skip
    assert con.execute(accounting).fetchall() == [(4, 1, 0, 3)]
    con.execute("drop table canonical.spend_transactions")
    build_canonical(con, spend, [contract], "USD")
    assert _canonical_spend(con) == by_file

    # a contract change restages every file with its values (here the department): every file is mapped again
    contract_path.write_text(contract_path.read_text("utf-8").replace("{value: FIN}", "{value: OPS}"), "utf-8")
    contract, _ = stage(con, contract_path, landing, day=3)
    build_canonical(con, spend, [contract], "USD")
    departments = con.execute("select distinct department_id from canonical.spend_transactions").fetchall()
    assert departments == [("OPS",)]


def test_a_whole_build_in_batches_of_files_equals_one_batch_row_for_row(con, tmp_path, monkeypatch):
    from assets.canonical import build

    landing = tmp_path / "landing"
    contract_path = write(tmp_path / "c" / "bank1__card_spend.yaml", SPEND_CONTRACT)
    rates(con, [("GBP", "USD", Decimal("1.6"), dt.date(2011, 1, 1), dt.date(2011, 12, 31))])
    statements = {
        "2011-03": "line,Cafe,5.00,DR,FOOD\nline,Deli,3.00,DR,FOOD\n",
        "2011-04": "line,Inn,7.00,DR,TRV\ntotal,,7.00,DR,\n",
        "2012-05": "line,Bus,2.00,DR,TRV\n",
    }
    for month, lines in statements.items():
        write(landing / "cards" / f"{month}-statement.csv", "Kind,Merchant,Amount,DC,Category\n" + lines)
    contract, _ = stage(con, contract_path, landing)
    spend = entity("spend_transactions")
    written = (
        "select * exclude (built_at) from canonical.spend_transactions t, meta.canonical_sources s order by t.rowid",
        "select * from meta.canonical_files order by all",
        "select * from meta.canonical_rejects order by all",
    )

    def whole_build() -> list:
        con.execute("drop table if exists canonical.spend_transactions")
        build_canonical(con, spend, [contract], "USD")
        return [con.execute(sql).fetchall() for sql in written]

    one = whole_build()
    monkeypatch.setattr(build, "BATCH_ROWS", 1)  # every file its own batch
    assert whole_build() == one
    assert [len(r) for r in one] == [3, 3, 1]  # Cafe, Deli, Inn mapped; the total filtered out; Bus without a rate


def test_one_source_with_every_row_mapped_is_a_view_of_its_staging_table(con, tmp_path):
    """No filter, the reporting currency, one source that appends: every staged row is mapped, so the entity is a
    view of the staging table (nothing copied); the counts per file and the accounting are recorded as for a
    table, a new month's rows are in it once staged, and a filter added later makes it a table again."""
    landing = tmp_path / "landing"
    plain = SPEND_CONTRACT.replace("    currency: GBP\n", "").replace("    filter: line_kind = 'line'\n", "")
    contract_path = write(tmp_path / "c" / "bank1__card_spend.yaml", plain)
    for month, lines in {"2011-03": "line,Cafe,5.00,DR,FOOD\nline,Deli,3.00,CR,FOOD\n",
                         "2011-04": "line,Inn,7.00,DR,TRV\ntotal,,7.00,DR,\n"}.items():  # fmt: skip
        write(landing / "cards" / f"{month}-statement.csv", "Kind,Merchant,Amount,DC,Category\n" + lines)
    contract, _ = stage(con, contract_path, landing)
    spend = entity("spend_transactions")
    written = (
        "select vendor_name, amount, _source_path, _line_no from canonical.spend_transactions order by 3, 4",
        "select contract, rows_staged, rows_filtered_out, rows_not_current, rows_rejected, rows_mapped "
        "from meta.canonical_files order by all",
        "select rows_staged, rows_filtered_out, rows_rejected, rows_mapped from meta.canonical_sources",
    )
    is_view = "select count(*) from duckdb_views() where schema_name = 'canonical' and view_name = 'spend_transactions'"

    build_canonical(con, spend, [contract], "USD")
    one = [con.execute(sql).fetchall() for sql in written]
    assert con.execute(is_view).fetchone()[0] == 1
    assert one[0] == [
        ("Cafe", Decimal("5.00"), "cards/2011-03-statement.csv", 2),
        ("Deli", Decimal("-3.00"), "cards/2011-03-statement.csv", 3),
        ("Inn", Decimal("7.00"), "cards/2011-04-statement.csv", 2),
        (None, Decimal("7.00"), "cards/2011-04-statement.csv", 3),
    ]
    assert one[1] == [("bank1__card_spend", 2, 0, 0, 0, 2)] * 2
    assert one[2] == [(4, 0, 0, 4)]
    build_canonical(con, spend, [contract], "USD")  # again: the same
    assert [con.execute(sql).fetchall() for sql in written] == one
    # a new month: its rows are in the view, counted
    write(landing / "cards" / "2011-05-statement.csv", "Kind,Merchant,Amount,DC,Category\nline,Bus,2.00,DR,TRV\n")
    contract, _ = stage(con, contract_path, landing, day=2)
    build_canonical(con, spend, [contract], "USD")
    added = [con.execute(sql).fetchall() for sql in written]
    assert added[2] == [(5, 0, 0, 5)] and added[0][-1] == ("Bus", Decimal("2.00"), "cards/2011-05-statement.csv", 2)
    # a filter: some rows are no longer mapped, and the entity is a table of the mapped rows again
    filtered = write(tmp_path / "c" / "bank1__card_spend.yaml", plain.replace(
        "    maps_to: spend_transactions\n", "    maps_to: spend_transactions\n    filter: line_kind = 'line'\n"
    ))  # fmt: skip
    contract, _ = stage(con, filtered, landing, day=3)
    assert contract.filter
    build_canonical(con, spend, [contract], "USD")
    assert con.execute(is_view).fetchone()[0] == 0
    assert [r[0] for r in con.execute(written[0]).fetchall()] == ["Cafe", "Deli", "Inn", "Bus"]
    assert con.execute(written[2]).fetchall() == [(5, 1, 0, 4)]


def test_a_wide_decimal_narrowed_through_64_bits_keeps_every_value(con):
    """A staged DECIMAL(25,9) cast to a canonical DECIMAL(18,2) goes through DECIMAL(18,9) when it fits there
    (64-bit arithmetic instead of 128-bit): the same value as the direct cast, rounding and large values included."""
    from assets.canonical.build import _cast

    values = ["2.345", "-2.345", "-0.005", "0.004999999", "999999999.995", "-999999999.999999999", "1000000000",
              "1234567890123.125", "-1234567890123.125", "null"]  # fmt: skip
    rows = ", ".join(f"({v}::decimal(25,9))" for v in values)
    expression = _cast("x", "DECIMAL(25,9)", "DECIMAL(18,2)")
    assert "decimal(18, 9)" in expression
    got = con.execute(f"select {expression}, x::decimal(18,2) from (values {rows}) t(x)").fetchall()
    assert [a for a, _ in got] == [b for _, b in got]
    assert got[0][0] == Decimal("2.35") and got[7][0] == Decimal("1234567890123.13")
    assert _cast("x", "BIGINT", "DECIMAL(18,2)") == "x::DECIMAL(18,2)"  # no 128-bit value to narrow
