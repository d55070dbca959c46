"""Incremental staging: a new month's file is typed alone and its keys checked against what is staged, and
the result is the same as a rebuild from every file."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.bad_input import CONTRACT, ingest_and_stage

from assets.ingest import staging
from assets.ingest.contracts import load_contract
from assets.ingest.staging import build_staging
from pipelines.db import rebuild_name, table_exists

HEADER = "payment_id,payment_date,supplier,amount_idr,status\n"


@pytest.fixture
def contract():
    return load_contract(CONTRACT)


def write(landing: Path, name: str, rows: list[str]) -> None:
    landing.mkdir(exist_ok=True)
    (landing / name).write_text(HEADER + "".join(r + "\n" for r in rows))


def deliver(con, contract, landing: Path, name: str, rows: list[str]) -> None:
    """Land the file ``name``, then load and stage the contract's files as the night does."""
    write(landing, name, rows)
    ingest_and_stage(con, contract, landing)


def tables(con) -> tuple[list, list, list]:
    return (
        con.execute("select * from staging.stg_corpus__payments order by all").fetchall(),
        con.execute("select * from quarantine.corpus__payments order by all").fetchall(),
        con.execute("select source_path, status, rows_read, rows_staged, rows_quarantined "
                    "from meta.load_manifest order by all").fetchall(),
    )  # fmt: skip


def test_new_file_is_staged_alone_and_matches_a_full_rebuild(tmp_path, con, contract):
    landing = tmp_path / "landing"
    deliver(con, contract, landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,paid", "P2,2025-01-31,CV Maju,x,paid"])
    # the February file repeats P1 (already staged from January) and adds P3
    deliver(
        con, contract, landing, "2025_02.csv", ["P1,2025-02-28,PT Sinar,100,paid", "P3,2025-02-28,CV Maju,300,paid"]
    )
    incremental = tables(con)
    reason = con.execute("select reason from quarantine.corpus__payments where rule = 'primary_key_unique'").fetchall()
    assert reason == [("duplicate primary key (payment_id=P1): first staged from 2025_01.csv line 2",)]
    assert [r[0] for r in incremental[0]] == ["P1", "P3"]
    build_staging(con, contract, incremental=False)
    assert tables(con) == incremental


def test_nothing_new_touches_nothing(tmp_path, con, contract):
    landing = tmp_path / "landing"
    deliver(con, contract, landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,paid"])
    con.execute("update staging.stg_corpus__payments set supplier = 'marker'")  # a rebuild would undo this
    build_staging(con, contract)
    assert con.execute("select supplier from staging.stg_corpus__payments").fetchall() == [("marker",)]


def test_replaced_month_swaps_its_rows(tmp_path, con, contract):
    landing = tmp_path / "landing"
    write(landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,paid"])
    deliver(con, contract, landing, "2025_02.csv", ["P2,2025-02-28,CV Maju,200,paid"])
    deliver(con, contract, landing, "2025_02.csv", ["P2,2025-02-28,CV Maju,250,paid", "P4,2025-02-28,CV Maju,x,paid"])
    incremental = tables(con)
    assert [(r[0], float(r[3])) for r in incremental[0]] == [("P1", 100.0), ("P2", 250.0)]
    assert len(incremental[1]) == 1  # P4's amount is not a number
    build_staging(con, contract, incremental=False)
    assert tables(con) == incremental


def test_changed_contract_rebuilds_everything(tmp_path, con, contract):
    landing = tmp_path / "landing"
    deliver(con, contract, landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,refunded"])
    assert tables(con)[0] == []  # 'refunded' is not an allowed status
    relaxed = tmp_path / "corpus__payments.yaml"
    relaxed.write_text(
        CONTRACT.read_text().replace("allowed_values: [paid, void]", "allowed_values: [paid, void, refunded]")
    )
    build_staging(con, load_contract(relaxed))
    assert [r[0] for r in tables(con)[0]] == ["P1"]


def test_a_rebuild_in_batches_of_files_equals_one_query_over_every_file(tmp_path, con, contract, monkeypatch):
    """Every defect of the bad-input corpus, and keys repeated within and across files, staged with each file its
    own batch and with all files in one: the same staged rows, quarantine reasons, counts and flags."""
    from fixtures.bad_input import CASES

    landing = tmp_path / "landing"
    landing.mkdir()
    for case in CASES:
        (landing / case.filename).write_bytes(case.content)
    write(landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,paid", "P1,2025-01-31,PT Sinar,100,paid"])
    write(landing, "2025_02.csv", ["P1,2025-02-28,PT Sinar,100,paid", "P9,2025-02-28,CV Maju,-5,paid"])
    ingest_and_stage(con, contract, landing)
    flags = "select * from meta.staging_flags order by all"
    whole = (*tables(con), con.execute(flags).fetchall())
    assert len(staging._load_batches(con, contract)) == 1
    monkeypatch.setattr(staging, "BATCH_ROWS", 1)
    assert len(staging._load_batches(con, contract)) > 10  # a batch per file (a file of no rows joins the one before)
    build_staging(con, contract, incremental=False)
    assert (*tables(con), con.execute(flags).fetchall()) == whole
    reasons = con.execute("select reason from quarantine.corpus__payments where rule = 'primary_key_unique'").fetchall()
    assert ("duplicate primary key (payment_id=P1): first staged from 2025_01.csv line 2",) in reasons


def test_only_repeated_keys_are_ranked_and_a_missing_key_part_repeats_too(tmp_path, con, contract):
    """A key is a duplicate from its second row without errors on, in load order, whatever part of it is missing
    (status is not required); a row with errors is quarantined for them and takes no key."""
    keyed = contract.model_copy(update={"primary_key": ["payment_id", "status"]})
    landing = tmp_path / "landing"
    write(landing, "keys.csv", ["P1,2025-01-31,PT Sinar,100,", "P1,2025-01-31,PT Sinar,200,",
                                "P2,2025-01-31,CV Maju,-5,paid", "P2,2025-01-31,CV Maju,100,paid",
                                "P3,2025-01-31,CV Maju,1,void", "P3,2025-01-31,CV Maju,2,void",
                                "P3,2025-01-31,CV Maju,3,void"])  # fmt: skip
    ingest_and_stage(con, keyed, landing)
    staged = con.execute("select payment_id, _line_no from staging.stg_corpus__payments order by all").fetchall()
    assert staged == [("P1", 2), ("P2", 5), ("P3", 6)]
    quarantined = con.execute("select _line_no, rule, reason from quarantine.corpus__payments order by all").fetchall()
    first = "duplicate primary key (payment_id={}, status={}): first staged from keys.csv line {}"
    assert [(line, rule) for line, rule, _ in quarantined] == [
        (3, "primary_key_unique"), (4, "min_value"), (7, "primary_key_unique"), (8, "primary_key_unique")]  # fmt: skip
    assert [reason for line, rule, reason in quarantined if rule == "primary_key_unique"] == [
        first.format("P1", "", 2), first.format("P3", "void", 6), first.format("P3", "void", 6)]  # fmt: skip


def test_a_rebuild_of_more_rows_than_a_row_group_stages_and_counts_them_all(tmp_path, con, contract):
    """Fault: the rebuild created its tables empty and staged every batch into them; DuckDB then showed none of
    a batch of more than 122,880 rows (a row group) to the connection, and every file's rows staged counted 0."""
    landing = tmp_path / "landing"
    write(landing, "2025_01.csv", [f"P{i},2025-01-31,PT Sinar,{i},paid" for i in range(130_000)])
    ingest_and_stage(con, contract, landing)
    assert con.execute("select count(*) from staging.stg_corpus__payments").fetchone()[0] == 130_000
    assert tables(con)[2] == [("2025_01.csv", "loaded", 130_000, 130_000, 0)]


def test_a_rebuild_that_fails_part_way_leaves_the_tables_as_they_were(tmp_path, con, contract, monkeypatch):
    """A rebuild's staged rows grow batch by batch, each batch committed, in a table of their own that takes the
    staging table's place at the end: a failure in a later batch leaves the staging and quarantine rows and the
    counts of before, and no table of the attempt."""
    landing = tmp_path / "landing"
    write(landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,paid", "P2,2025-01-31,CV Maju,x,paid"])
    write(landing, "2025_02.csv", ["P3,2025-02-28,PT Sinar,100,paid"])
    deliver(con, contract, landing, "2025_03.csv", ["P4,2025-03-31,CV Maju,300,paid"])
    con.execute("update staging.stg_corpus__payments set supplier = 'marker'")  # what a finished rebuild would undo
    before = tables(con)
    monkeypatch.setattr(staging, "BATCH_ROWS", 1)
    typed = []

    def failing_third(contract, files=None, existing=None, dates=None):
        typed.append(files)
        if len(typed) == 3:
            raise RuntimeError("the disk is full")
        return staging_sql(contract, files, existing, dates)

    staging_sql = staging.staging_sql
    monkeypatch.setattr(staging, "staging_sql", failing_third)
    with pytest.raises(RuntimeError, match="disk is full"):
        build_staging(con, contract, incremental=False)
    assert tables(con) == before
    assert not table_exists(con, rebuild_name("staging.stg_corpus__payments"))
    monkeypatch.setattr(staging, "staging_sql", staging_sql)
    build_staging(con, contract, incremental=False)
    assert {r[2] for r in tables(con)[0]} == {"PT Sinar", "CV Maju"}
    assert tables(con)[1:] == before[1:]


def test_a_table_left_by_a_killed_rebuild_is_dropped_by_the_next_build(tmp_path, con, contract):
    landing = tmp_path / "landing"
    deliver(con, contract, landing, "2025_01.csv", ["P1,2025-01-31,PT Sinar,100,paid"])
    leftover = rebuild_name("staging.stg_corpus__payments")
    con.execute(f"create table {leftover} as select 1 as half_built")
    build_staging(con, contract)  # nothing new: the staged rows stay, the leftover goes
    assert not table_exists(con, leftover)
    assert [r[0] for r in tables(con)[0]] == ["P1"]
