"""File versions that never lose or silently corrupt data (issue 12): a truncated re-delivery is held until
accepted, a removed file's rows leave staging (or stay, by setting), a fixed file clears its failure, one file
feeds several contracts, old bytes never come back on their own, exact duplicate rows and constant columns are
reported, and `kinerja run` exits 3 while a file is failed or held. Every scenario checks the row accounting of
every manifest row: a loaded file's rows read = staged + quarantined (and are the rows in staging), a held file
has its rows read and nothing staged, any other version has nothing in staging."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import duckdb
import pytest

from assets.ingest.contracts import load_contract
from assets.ingest.loader import AcceptError, accept_version, ingest_contract
from assets.ingest.manifest import ensure_schemas, manifest_key
from assets.ingest.staging import build_staging
from checks.runner import run_suite
from checks.spec import ERROR, WARN, staging_suite
from pipelines.cli import EXIT_FILES_FAILED, EXIT_RUN_FAILED, print_load_summary, run_exit_code

HEADER = "payment_id,payment_date,supplier,amount_idr,status\n"
COLUMNS = """
columns:
  payment_id: {required: true}
  payment_date: {type: date, required: true}
  supplier: {required: true}
  amount_idr: {type: decimal, required: true, min: 0}
  status: {allowed_values: [paid, void]}
"""


def write_contract(tmp_path: Path, extra: str = "", system: str = "acme", files: str = "pay/*.csv",
                   key: str = "primary_key: [payment_id]") -> object:  # fmt: skip
    path = tmp_path / "contracts" / f"{system}__payments.yaml"
    path.parent.mkdir(exist_ok=True)
    text = f"""
        entity: payments
        system: {system}
        domain: finance
        description: d
        grain: one row per payment
        files: ["{files}"]
        {key}
    """
    path.write_text(textwrap.dedent(text) + textwrap.dedent(extra) + COLUMNS, encoding="utf-8")
    return load_contract(path)


def rows(n: int, start: int = 1, amount: int = 100) -> list[str]:
    return [f"P{i},2025-01-{1 + i % 28:02d},Supplier {i % 7},{amount + i},paid" for i in range(start, start + n)]


def drop(landing: Path, name: str, lines: list[str]) -> Path:
    path = landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


class Night:
    """Load and stage one contract as a night would, with arrival times one hour apart."""

    def __init__(self, con, landing: Path):
        self.con, self.landing = con, landing
        self.clock = dt.datetime(2025, 3, 1, 2, 0)

    def run(self, contract) -> list:
        self.clock += dt.timedelta(hours=1)
        outcomes = ingest_contract(self.con, contract, self.landing, loaded_at=self.clock)
        build_staging(self.con, contract)
        assert_accounting(self.con, contract)
        return outcomes

    def deliver(self, contract, name: str, lines: list[str]) -> list:
        """Drop the file ``name`` holding ``lines`` into the landing folder, then run."""
        drop(self.landing, name, lines)
        return self.run(contract)


def assert_accounting(con, contract) -> None:
    staged = dict(
        con.execute(f"select _file_sha256, count(*) from staging.{contract.staging_table} group by 1").fetchall()
    )
    quarantined = dict(
        con.execute(f"select _file_sha256, count(*) from quarantine.{contract.name} group by 1").fetchall()
    )
    manifest = con.execute(
        "select file_sha256, source_path, status, rows_read, rows_staged, rows_quarantined from meta.load_manifest "
        "where contract = ?",
        [contract.name],
    ).fetchall()
    for sha, path, status, read, n_staged, n_quarantined in manifest:
        if status == "loaded":
            assert read == n_staged + n_quarantined, (path, read, n_staged, n_quarantined)
            assert staged.get(sha, 0) == n_staged and quarantined.get(sha, 0) == n_quarantined, path
        elif status == "held":
            assert read > 0 and n_staged == 0 and n_quarantined == 0, (path, read, n_staged, n_quarantined)
            assert sha not in staged and sha not in quarantined, path
        else:
            assert sha not in staged and sha not in quarantined, (path, status)
    assert sum(staged.values()) == scalar(con, f"select count(*) from staging.{contract.staging_table}")


def scalar(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


def manifest(con, contract) -> dict[str, list[tuple]]:
    """source_path -> [(status, rows_read, rows_staged, status_reason)] in arrival order."""
    out: dict[str, list[tuple]] = {}
    for path, *rest in con.execute(
        "select source_path, status, rows_read, rows_staged, status_reason from meta.load_manifest "
        "where contract = ? order by loaded_at",
        [contract.name],
    ).fetchall():
        out.setdefault(path, []).append(tuple(rest))
    return out


def staged_ids(con, contract) -> list[str]:
    return [r[0] for r in con.execute(f"select payment_id from staging.{contract.staging_table} order by 1").fetchall()]


def by_path(outcomes) -> dict[str, str]:
    return {o.source_path: o.status for o in outcomes}


@pytest.fixture
def landing(tmp_path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def night(con, landing) -> Night:
    return Night(con, landing)


# -- 1. guarded replacement --------------------------------------------------------------------------------------


def test_truncated_redelivery_is_held_and_the_old_version_stays_staged(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    night.deliver(contract, "pay/loans.csv", rows(50))
    before = staged_ids(con, contract)
    drop(landing, "pay/loans.csv", rows(30))  # cut to 60% under the same name
    outcomes = night.run(contract)
    assert by_path(outcomes) == {"pay/loans.csv": "held"}
    assert "rows 50 -> 30 (-40.0%)" in outcomes[0].note and "kinerja accept pay/loans.csv" in outcomes[0].note
    assert staged_ids(con, contract) == before and len(before) == 50
    versions = manifest(con, contract)["pay/loans.csv"]
    assert [(v[0], v[1], v[2]) for v in versions] == [("loaded", 50, 50), ("held", 30, 0)]
    assert versions[1][3].startswith("rows 50 -> 30")
    # the next night, still held (nothing to do twice)
    assert by_path(night.run(contract)) == {"pay/loans.csv": "held"}
    assert staged_ids(con, contract) == before


def test_accept_lets_a_held_version_through_on_the_next_run(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    night.deliver(contract, "pay/loans.csv", rows(50))
    night.deliver(contract, "pay/loans.csv", rows(30))
    with pytest.raises(AcceptError, match="is not held"):
        accept_version(con, landing, "abcdef0", night.clock)  # a SHA-256 prefix nothing has
    accepted = accept_version(con, landing, "pay/loans.csv", night.clock)
    assert [(r["contract"], r["source_path"], r["rows_read"]) for r in accepted] == [
        (contract.name, "pay/loans.csv", 30)
    ]
    assert [v[0] for v in manifest(con, contract)["pay/loans.csv"]] == ["loaded", "accepted"]
    outcomes = night.run(contract)
    assert by_path(outcomes) == {"pay/loans.csv": "accepted"}
    assert len(staged_ids(con, contract)) == 30
    versions = manifest(con, contract)["pay/loans.csv"]
    assert [(v[0], v[1], v[2]) for v in versions] == [("superseded", 50, 50), ("loaded", 30, 30)]
    assert versions[1][3].startswith("accepted on")


def test_accept_by_sha_prefix_and_refusals(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    night.deliver(contract, "pay/loans.csv", rows(50))
    night.deliver(contract, "pay/loans.csv", rows(10))
    sha = scalar(con, "select file_sha256 from meta.load_manifest where status = 'held'")
    with pytest.raises(AcceptError, match="neither a file"):
        accept_version(con, landing, "zz", night.clock)
    night.deliver(contract, "pay/other.csv", rows(3, start=900))
    with pytest.raises(AcceptError, match="is not held"):
        accept_version(con, landing, "pay/other.csv", night.clock)  # loaded, not held
    assert accept_version(con, landing, sha[:8], night.clock)[0]["file_sha256"] == sha
    night.run(contract)
    assert len(staged_ids(con, contract)) == 10 + 3


def test_a_small_drop_loads_and_the_guard_can_be_disabled(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    drop(landing, "pay/a.csv", rows(100))
    night.deliver(contract, "pay/b.csv", rows(100, start=1000))
    drop(landing, "pay/a.csv", rows(90))  # 10% fewer: within the default guard
    assert by_path(night.run(contract)) == {"pay/a.csv": "loaded", "pay/b.csv": "unchanged"}
    disabled = write_contract(tmp_path, "replace_guard: {max_row_drop_pct: 100}\n")
    drop(landing, "pay/b.csv", rows(5, start=1000))  # 95% fewer, guard off
    assert by_path(night.run(disabled))["pay/b.csv"] == "loaded"
    assert len(staged_ids(con, disabled)) == 90 + 5


def test_relaxing_the_guard_releases_a_held_version(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    night.deliver(contract, "pay/a.csv", rows(100))
    drop(landing, "pay/a.csv", rows(70))
    assert by_path(night.run(contract)) == {"pay/a.csv": "held"}
    relaxed = write_contract(tmp_path, "replace_guard: {max_row_drop_pct: 50}\n")
    assert by_path(night.run(relaxed)) == {"pay/a.csv": "loaded"}
    assert len(staged_ids(con, relaxed)) == 70


def test_a_held_version_is_dropped_when_the_good_file_comes_back(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    good = drop(landing, "pay/a.csv", rows(100)).read_bytes()
    night.run(contract)
    night.deliver(contract, "pay/a.csv", rows(40))
    (landing / "pay/a.csv").write_bytes(good)  # the sender re-delivers the complete file
    assert by_path(night.run(contract)) == {"pay/a.csv": "unchanged"}
    assert [v[0] for v in manifest(con, contract)["pay/a.csv"]] == ["loaded", "superseded"]
    assert print_summary(tmp_path, con) == (0, 0)


@pytest.mark.parametrize("mode", ["replace", "snapshot"])
def test_newer_export_beside_the_old_is_not_a_duplicate_key(tmp_path, con, landing, night, mode):
    contract = write_contract(tmp_path, f"load_mode: {mode}\n")
    night.deliver(contract, "pay/master.csv", rows(20))
    drop(landing, "pay/master_v2.csv", rows(22))  # the same keys again, and two new ones
    outcomes = night.run(contract)
    assert by_path(outcomes) == {"pay/master.csv": "unchanged", "pay/master_v2.csv": "loaded"}
    assert scalar(con, f"select count(*) from quarantine.{contract.name}") == 0
    assert scalar(con, f"select count(*) from staging.{contract.staging_table}") == 42
    # the per-file key rule still holds within a file
    night.deliver(contract, "pay/master_v3.csv", rows(3) + rows(1))
    rules = con.execute(f"select rule, _source_path from quarantine.{contract.name}").fetchall()
    assert rules == [("primary_key_unique", "pay/master_v3.csv")]


# -- 2. retraction and fixed files -------------------------------------------------------------------------------


def test_a_removed_file_is_retracted_and_comes_back_when_restored(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    drop(landing, "pay/jan.csv", rows(10))
    feb = drop(landing, "pay/feb.csv", rows(5, start=100) + ["P999,2025-02-01,X,-5,paid"])
    night.run(contract)
    content = feb.read_bytes()
    feb.unlink()
    outcomes = night.run(contract)
    assert by_path(outcomes) == {"pay/jan.csv": "unchanged", "pay/feb.csv": "retracted"}
    assert len(staged_ids(con, contract)) == 10
    assert scalar(con, f"select count(*) from quarantine.{contract.name}") == 0  # its quarantined row left too
    status, at, reason = con.execute(
        "select status, status_changed_at, status_reason from meta.load_manifest where source_path = 'pay/feb.csv'"
    ).fetchall()[0]
    assert status == "retracted" and at == night.clock and reason.startswith("removed from the landing folder")
    assert by_path(night.run(contract)) == {"pay/jan.csv": "unchanged"}  # retracted once
    feb.write_bytes(content)
    assert by_path(night.run(contract))["pay/feb.csv"] == "reactivated"
    assert len(staged_ids(con, contract)) == 15


def test_a_removed_file_is_kept_by_setting(tmp_path, con, landing, night):
    contract = write_contract(tmp_path, "on_file_removed: keep\n")
    drop(landing, "pay/jan.csv", rows(10))
    night.deliver(contract, "pay/feb.csv", rows(5, start=100))
    (landing / "pay/feb.csv").unlink()
    assert by_path(night.run(contract)) == {"pay/jan.csv": "unchanged", "pay/feb.csv": "kept"}
    assert len(staged_ids(con, contract)) == 15
    status, reason = manifest(con, contract)["pay/feb.csv"][0][0], manifest(con, contract)["pay/feb.csv"][0][3]
    assert status == "loaded" and "on_file_removed: keep" in reason
    assert by_path(night.run(contract)) == {"pay/jan.csv": "unchanged"}  # said once


def test_an_empty_landing_folder_retracts_nothing(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    path = drop(landing, "pay/jan.csv", rows(10))
    night.run(contract)
    path.unlink()
    (landing / "pay").rmdir()  # an unmounted share looks like this
    assert night.run(contract) == []
    assert len(staged_ids(con, contract)) == 10


def test_a_fixed_file_clears_its_failure(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    drop(landing, "pay/jan.csv", rows(10))
    broken = landing / "pay/feb.csv"
    broken.write_text("payment_id,payment_date,supplier\nP100,2025-02-01,X\n")  # the amount column is missing
    outcomes = night.run(contract)
    assert by_path(outcomes)["pay/feb.csv"] == "failed"
    assert print_summary(tmp_path, con) == (1, 0)
    drop(landing, "pay/feb.csv", rows(5, start=100))  # the sender fixes the export
    assert by_path(night.run(contract))["pay/feb.csv"] == "loaded"
    versions = manifest(con, contract)["pay/feb.csv"]
    assert [v[0] for v in versions] == ["superseded", "loaded"]
    assert "the failure is cleared" in versions[0][3]
    assert scalar(con, "select count(*) from meta.load_manifest where status = 'failed'") == 0
    assert print_summary(tmp_path, con) == (0, 0)
    from checks.sources import failed_files

    assert failed_files(con, contract.name).passed


def test_a_removed_failed_file_stops_counting(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    drop(landing, "pay/jan.csv", rows(10))
    (landing / "pay/bad.csv").write_text("nothing,useful\n1,2\n")
    night.run(contract)
    (landing / "pay/bad.csv").unlink()
    assert by_path(night.run(contract))["pay/bad.csv"] == "retracted"
    assert print_summary(tmp_path, con) == (0, 0)


# -- 3. one file, several contracts ------------------------------------------------------------------------------


def test_one_file_feeds_two_contracts(tmp_path, con, landing, night):
    first = write_contract(tmp_path, system="acme", files="shared/*.csv")
    second = write_contract(tmp_path, system="audit", files="shared/*.csv")
    drop(landing, "shared/payments.csv", rows(8) + ["P99,2025-01-01,X,1,paid,EXTRA"])  # one unparsable line
    for contract in (first, second):
        assert by_path(night.run(contract)) == {"shared/payments.csv": "loaded"}
        assert len(staged_ids(con, contract)) == 8
        # the parse reject is quarantined once per contract, not once per manifest row of the file
        assert scalar(con, f"select count(*) from quarantine.{contract.name} where rule = 'csv_structure'") == 1
    assert con.execute("select count(distinct file_sha256), count(*) from meta.load_manifest").fetchall() == [(1, 2)]
    assert con.execute("select contract, rows_read from meta.load_manifest order by 1").fetchall() == [
        ("acme__payments", 9), ("audit__payments", 9),
    ]  # fmt: skip
    for contract in (first, second):  # a rebuild gives the same
        build_staging(con, contract, incremental=False)
        assert_accounting(con, contract)
        assert scalar(con, f"select count(*) from quarantine.{contract.name}") == 1


def test_a_manifest_keyed_by_sha_alone_is_migrated_keeping_its_rows(tmp_path, con):
    con.execute("create schema meta")
    con.execute(
        """
        create table meta.load_manifest (file_sha256 varchar primary key, contract varchar not null,
            source_path varchar not null, file_size_bytes bigint, detected_format varchar, encoding varchar,
            delimiter varchar, newline varchar, header_line integer, columns_mapped varchar, schema_drift varchar,
            rows_read bigint, rows_staged bigint, rows_quarantined bigint, status varchar not null, error varchar,
            notes varchar, contract_sha256 varchar, loaded_at timestamp not null, superseded_by varchar)
        """
    )
    con.execute(
        "insert into meta.load_manifest (file_sha256, contract, source_path, rows_read, status, loaded_at) "
        "values ('s1', 'acme__payments', 'pay/a.csv', 3, 'loaded', '2025-01-01'), "
        "('s2', 'acme__payments', 'pay/a.csv', 2, 'superseded', '2024-12-01')"
    )
    ensure_schemas(con)
    assert manifest_key(con) == ["contract", "file_sha256"]
    assert con.execute(
        "select file_sha256, status, rows_read, status_reason from meta.load_manifest order by 1"
    ).fetchall() == [("s1", "loaded", 3, None), ("s2", "superseded", 2, None)]
    con.execute(
        "insert into meta.load_manifest (file_sha256, contract, source_path, status, loaded_at) "
        "values ('s1', 'audit__payments', 'pay/a.csv', 'loaded', '2025-01-01')"
    )  # the same file for another contract
    ensure_schemas(con)  # a second time: nothing to migrate
    assert scalar(con, "select count(*) from meta.load_manifest") == 3


# -- 4. old bytes never reactivate -------------------------------------------------------------------------------


def test_old_bytes_under_a_new_name_do_not_reactivate(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    old = drop(landing, "pay/master.csv", rows(20)).read_bytes()
    night.run(contract)
    drop(landing, "pay/master.csv", rows(20, amount=500))  # a corrected export under the same name
    night.run(contract)
    newer = sorted(con.execute(f"select amount_idr from staging.{contract.staging_table}").fetchall())
    (landing / "pay/master_copy.csv").write_bytes(old)  # the old version dropped again under a new name
    outcomes = night.run(contract)
    assert by_path(outcomes) == {"pay/master.csv": "unchanged", "pay/master_copy.csv": "ignored"}
    note = next(o.note for o in outcomes if o.status == "ignored")
    assert note.startswith("duplicate of superseded version") and "of pay/master.csv" in note
    assert sorted(con.execute(f"select amount_idr from staging.{contract.staging_table}").fetchall()) == newer
    (landing / "pay/master_copy.csv").unlink()
    (landing / "pay/master.csv").write_bytes(old)  # or under its own name
    assert by_path(night.run(contract)) == {"pay/master.csv": "ignored"}
    assert sorted(con.execute(f"select amount_idr from staging.{contract.staging_table}").fetchall()) == newer
    assert [v[0] for v in manifest(con, contract)["pay/master.csv"]] == ["superseded", "loaded"]


def test_a_removed_version_does_not_come_back_after_a_newer_one(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    old = drop(landing, "pay/master.csv", rows(20)).read_bytes()
    drop(landing, "pay/jan.csv", rows(3, start=500))  # keeps the landing folder from being empty
    night.run(contract)
    (landing / "pay/master.csv").unlink()
    assert by_path(night.run(contract))["pay/master.csv"] == "retracted"
    drop(landing, "pay/master.csv", rows(21, amount=900))  # a newer export under the name
    night.run(contract)
    (landing / "pay/master_old.csv").write_bytes(old)  # the removed version, dropped again
    outcomes = night.run(contract)
    assert by_path(outcomes)["pay/master_old.csv"] == "ignored"
    assert "retracted, since replaced" in next(o.note for o in outcomes if o.status == "ignored")
    assert len(staged_ids(con, contract)) == 21 + 3
    # going back on purpose
    accept_version(con, landing, "pay/master_old.csv", night.clock)
    assert by_path(night.run(contract))["pay/master_old.csv"] == "accepted"
    assert len(staged_ids(con, contract)) == 21 + 20 + 3 - 20  # master.csv and master_old.csv share ids P1..P20
    paths = dict(con.execute("select source_path, status from meta.load_manifest where status = 'loaded'").fetchall())
    assert paths == {"pay/master.csv": "loaded", "pay/master_old.csv": "loaded", "pay/jan.csv": "loaded"}


def test_a_renamed_file_stays_loaded_under_its_new_name(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    night.deliver(contract, "pay/jan.csv", rows(10))
    (landing / "pay/jan.csv").rename(landing / "pay/2025-01.csv")
    assert by_path(night.run(contract)) == {"pay/2025-01.csv": "moved"}
    assert by_path(night.run(contract)) == {"pay/2025-01.csv": "unchanged"}  # stable, no retract/reactivate
    paths = con.execute(f"select distinct _source_path from staging.{contract.staging_table}").fetchall()
    assert paths == [("pay/2025-01.csv",)]
    assert list(manifest(con, contract)) == ["pay/2025-01.csv"]


# -- 5. exact duplicate rows and constant columns ----------------------------------------------------------------


def _outcomes(con, contract) -> dict:
    return {o.name: o for o in run_suite(con, staging_suite(contract)).outcomes}


def test_duplicate_rows_and_constant_columns_are_reported(tmp_path, con, landing, night):
    contract = write_contract(tmp_path, key="primary_key: []")
    lines = [f"P{i},2025-01-{i:02d},Supplier {i},{100 + i},paid" for i in range(1, 9)]
    drop(landing, "pay/jan.csv", lines + [lines[2], lines[2]])  # one row exported three times
    night.run(contract)
    outcomes = _outcomes(con, contract)
    duplicates = outcomes["uniqueness_exact_duplicate_rows"]
    assert duplicates.severity == WARN and not duplicates.passed and not duplicates.blocking
    assert duplicates.unexpected_count == 3
    constant = outcomes["validity_no_constant_columns"]
    assert constant.severity == WARN and not constant.passed and constant.dimension == "validity"
    assert constant.observed_value == "status = 'paid' in all 10 rows with a value"
    # ERROR by setting: blocking
    strict = write_contract(tmp_path, "duplicate_rows: error\nconstant_columns: error\n", key="primary_key: []")
    checks = {c.name: c for c in staging_suite(strict).checks}
    assert checks["uniqueness_exact_duplicate_rows"].severity == ERROR
    assert checks["validity_no_constant_columns"].severity == ERROR
    # ignore: no check at all
    quiet = write_contract(tmp_path, "duplicate_rows: ignore\nconstant_columns: ignore\n", key="primary_key: []")
    names = {c.name for c in staging_suite(quiet).checks}
    assert not names & {"uniqueness_exact_duplicate_rows", "validity_no_constant_columns"}


def test_clean_rows_pass_and_a_primary_key_needs_no_duplicate_check(tmp_path, con, landing, night):
    contract = write_contract(tmp_path)
    night.deliver(
        contract, "pay/jan.csv", [f"P{i},2025-01-{i:02d},S{i},{i},{'paid' if i % 2 else 'void'}" for i in range(1, 9)]
    )
    outcomes = _outcomes(con, contract)
    assert "uniqueness_exact_duplicate_rows" not in outcomes  # the key already quarantines a repeated row
    assert outcomes["validity_no_constant_columns"].passed


def test_duplicates_in_snapshot_mode_are_counted_within_a_file(tmp_path, con, landing, night):
    contract = write_contract(tmp_path, "load_mode: snapshot\n", key="primary_key: []")
    lines = [f"P{i},2025-01-{i:02d},S{i},{i},{'paid' if i % 2 else 'void'}" for i in range(1, 6)]
    drop(landing, "pay/master_2025-01.csv", lines)
    drop(landing, "pay/master_2025-02.csv", lines)  # the same picture a month later: not a duplicate
    night.run(contract)
    assert _outcomes(con, contract)["uniqueness_exact_duplicate_rows"].passed


def test_from_path_and_value_columns_are_constant_by_design(tmp_path):
    path = tmp_path / "acme__ledger.yaml"
    path.write_text(
        textwrap.dedent(
            """
            entity: ledger
            system: acme
            domain: finance
            description: d
            grain: g
            files: ["gl/{period}.csv"]
            columns:
              line: {required: true}
              period: {from_path: period}
              currency: {value: IDR}
            """
        )
    )
    checks = {c.name: c for c in staging_suite(load_contract(path)).checks}
    assert checks["validity_no_constant_columns"].columns == ("line",)


# -- 6. exit codes -----------------------------------------------------------------------------------------------


def print_summary(tmp_path: Path, con) -> tuple[int, int]:
    """print_load_summary reads a warehouse file: copy the test's in-memory manifest into one."""
    warehouse = tmp_path / "summary.duckdb"
    warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as out:
        ensure_schemas(out)
        out.register("manifest_rows", con.execute("select * from meta.load_manifest").df())
        out.execute("insert into meta.load_manifest by name select * from manifest_rows")
    return print_load_summary(warehouse)


def test_exit_code_is_3_while_a_file_is_held_or_failed(tmp_path, con, landing, night, capsys):
    contract = write_contract(tmp_path)
    night.deliver(contract, "pay/loans.csv", rows(682))
    assert print_summary(tmp_path, con) == (0, 0)
    night.deliver(contract, "pay/loans.csv", rows(408))
    capsys.readouterr()
    failed, held = print_summary(tmp_path, con)
    out = capsys.readouterr().out
    assert (failed, held) == (0, 1)
    assert "pay/loans.csv" in out and "rows 682 -> 408 (-40.2%)" in out and "kinerja accept FILE" in out
    assert run_exit_code(True, failed, held) == EXIT_FILES_FAILED == 3
    assert run_exit_code(True, 1, 0) == 3
    assert run_exit_code(False, 0, 1) == EXIT_RUN_FAILED  # a failed step wins
    assert run_exit_code(True, 0, 0) == 0


def test_status_lists_held_files_and_the_cli_accepts_them(tmp_path, landing, monkeypatch, capsys):
    from pipelines import settings as settings_module
    from pipelines.cli import main

    write_contract(tmp_path)
    monkeypatch.setenv("KINERJA_CONTRACTS_DIR", str(tmp_path / "contracts"))
    monkeypatch.setenv("KINERJA_LANDING_DIR", str(landing))
    monkeypatch.setenv("KINERJA_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    settings_module.get_settings.cache_clear()
    try:
        drop(landing, "pay/loans.csv", rows(50))
        assert main(["load", "--source", "acme__payments"]) == 0
        drop(landing, "pay/loans.csv", rows(30))
        capsys.readouterr()
        assert main(["load", "--source", "acme__payments"]) == 3  # held
        out = capsys.readouterr().out
        assert "held" in out and "rows 50 -> 30 (-40.0%)" in out
        assert main(["status"]) == 0
        out = capsys.readouterr().out
        assert "held files" in out and "acme__payments: pay/loans.csv (version " in out
        assert main(["accept", "pay/nowhere.csv"]) == 1
        assert "neither a file" in capsys.readouterr().err
        assert main(["accept", "pay/loans.csv"]) == 0
        assert "accepted pay/loans.csv" in capsys.readouterr().out
        assert main(["status"]) == 0
        assert "accepted files (the next run loads them)" in capsys.readouterr().out
        assert main(["load", "--source", "acme__payments"]) == 0
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
            assert scalar(con, "select count(*) from staging.stg_acme__payments") == 30
            assert_accounting(con, load_contract(tmp_path / "contracts" / "acme__payments.yaml"))
    finally:
        settings_module.get_settings.cache_clear()


def test_the_raw_table_is_made_with_every_column_and_gains_the_contracts_new_ones(tmp_path, con):
    from assets.ingest.loader import ensure_raw_table

    contract = write_contract(tmp_path)
    ensure_schemas(con)
    ensure_raw_table(con, contract)
    con.execute(f"insert into raw.{contract.raw_table} (_file_sha256, _source_path, _loaded_at, payment_id) "
                "values ('s', 'pay/a.csv', now(), 'P1')")  # fmt: skip
    columns = [d[0] for d in con.execute(f"select * from raw.{contract.raw_table} limit 0").description]
    assert columns == ["_file_sha256", "_source_path", "_line_no", "_loaded_at", "_extra", *contract.read_columns]
    # the contract gains a column, and one it has already is spelt in other letters: only the new one is added
    grown = {**contract.columns, "reference": contract.columns["supplier"], "STATUS": contract.columns["status"]}
    grown.pop("status")
    ensure_raw_table(con, contract.model_copy(update={"columns": grown}))
    ensure_raw_table(con, contract.model_copy(update={"columns": grown}))  # and again: nothing more
    columns = [d[0] for d in con.execute(f"select * from raw.{contract.raw_table} limit 0").description]
    assert columns == ["_file_sha256", "_source_path", "_line_no", "_loaded_at", "_extra", *contract.read_columns,
                       "reference"]  # fmt: skip
    assert con.execute(f"select payment_id, reference from raw.{contract.raw_table}").fetchall() == [("P1", None)]
