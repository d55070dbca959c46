"""Source checks from the load manifest: row accounting, failed files, freshness against the expected cadence,
and schema drift of the landed files and of the staging table - each clean and with a planted defect."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from assets.ingest.contracts import load_contract
from assets.ingest.manifest import ensure_schemas
from checks import sources

DEMO = Path(__file__).resolve().parents[2] / "contracts" / "demo"
ATTENDANCE = load_contract(DEMO / "hris__attendance.yaml")  # expected_cadence_days: 31
MAPPED = json.dumps({"employee_id": "employee_id", "attendance_date": "attendance_date", "status": "status"})
NOW = dt.datetime(2024, 3, 10, 2, 0)


def _file(con, sha: str, path: str, loaded_at: str, read=10, staged=10, quarantined=0, status="loaded",
          mapped=MAPPED, drift=None, error=None) -> None:  # fmt: skip
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, columns_mapped, schema_drift, rows_read,
            rows_staged, rows_quarantined, status, error, loaded_at)
        values (?, 'hris__attendance', ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [sha, path, mapped, drift, read, staged, quarantined, status, error, loaded_at],
    )


def test_row_accounting_and_failed_files(con):
    ensure_schemas(con)
    _file(con, "a", "hris/attendance/2024_01.parquet", "2024-02-03 02:00")
    # planted: February read 12 rows but staged 10 and quarantined 1 (one row lost)
    _file(con, "b", "hris/attendance/2024_02.parquet", "2024-03-03 02:00", read=12, staged=10, quarantined=1)
    # planted: an unreadable file
    _file(con, "c", "hris/attendance/broken.csv", "2024-03-03 02:00", status="failed", error="broken.csv: line 3")
    accounting = sources.row_accounting(con, "hris__attendance")
    assert (accounting.passed, accounting.severity, accounting.unexpected_count) == (False, "ERROR", 1)
    assert accounting.sample_keys == ("hris/attendance/2024_02.parquet: read 12, staged 10, quarantined 1",)
    failed = sources.failed_files(con, "hris__attendance")
    assert (failed.passed, failed.severity) == (False, "WARN")
    assert "broken.csv: line 3" in failed.description
    con.execute("update meta.load_manifest set rows_staged = 11 where file_sha256 = 'b'")  # 11 + 1 = 12: balanced
    assert sources.row_accounting(con, "hris__attendance").passed


def test_freshness_against_the_expected_cadence(con):
    ensure_schemas(con)
    never = sources.freshness(con, ATTENDANCE, NOW)
    assert (never.passed, never.observed_value) == (False, "never loaded")
    _file(con, "a", "hris/attendance/2024_01.parquet", "2024-02-03 02:00")
    # 2024-02-03 02:00 -> 2024-03-10 02:00 = 36 days = 31 days' cadence + 5 days' grace: still fresh
    fresh = sources.freshness(con, ATTENDANCE, NOW)
    assert fresh.passed and fresh.observed_value.startswith("36.0 days")
    # one hour later it is 36.04 days: stale
    stale = sources.freshness(con, ATTENDANCE, NOW + dt.timedelta(hours=1))
    assert not stale.passed and stale.severity == "WARN"
    assert "ask team:hr-data for the missing export" in stale.description
    _file(con, "b", "hris/attendance/2024_02.parquet", "2024-03-03 02:00")  # the February file arrives
    later = sources.freshness(con, ATTENDANCE, NOW + dt.timedelta(hours=1))
    assert later.passed and later.metadata["newest_file"] == "hris/attendance/2024_02.parquet"


def test_source_drift_between_loads(con):
    ensure_schemas(con)
    _file(con, "a", "hris/attendance/2024_01.parquet", "2024-02-03 02:00")
    first = sources.source_drift(con, ATTENDANCE)
    assert first.passed and "first file: as the contract" in first.description
    renamed = json.dumps({"employee_id": "emp_id", "attendance_date": "attendance_date", "status": "status"})
    # planted: the February export renamed employee_id to emp_id (an alias caught it) and added a column
    _file(con, "b", "hris/attendance/2024_02.parquet", "2024-03-03 02:00", mapped=renamed,
          drift="extra columns not in the contract (policy warn): ['shift']")  # fmt: skip
    drift = sources.source_drift(con, ATTENDANCE)
    assert not drift.passed and drift.unexpected_count == 1
    assert "employee_id: 'employee_id' -> 'emp_id'" in drift.sample_keys[0]
    assert "['shift']" in drift.sample_keys[0]
    # March looks like February: no drift between the newest load and the file before it
    _file(con, "c", "hris/attendance/2024_03.parquet", "2024-04-03 02:00", mapped=renamed,
          drift="extra columns not in the contract (policy warn): ['shift']")  # fmt: skip
    assert sources.source_drift(con, ATTENDANCE).passed


def test_first_file_that_differs_from_the_contract(con):
    ensure_schemas(con)
    _file(con, "a", "hris/attendance/2024_01.parquet", "2024-02-03 02:00",
          drift="optional columns absent: ['clock_in']")  # planted  # fmt: skip
    drift = sources.source_drift(con, ATTENDANCE)
    assert not drift.passed and "optional columns absent" in drift.description
    ignoring = ATTENDANCE.model_copy(update={"schema_drift": "ignore"})
    assert sources.source_drift(con, ignoring).passed  # recorded, but the contract says not to warn


def test_staging_drift_is_reported_once_per_change(con):
    ensure_schemas(con)
    con.execute("create table staging.stg_hris__attendance (employee_id varchar, attendance_date date)")
    first = sources.staging_drift(con, ATTENDANCE, NOW)
    assert first.passed and "First schema" in first.description
    assert sources.staging_drift(con, ATTENDANCE, NOW).passed  # unchanged
    con.execute("alter table staging.stg_hris__attendance add column status varchar")  # planted: a new column
    con.execute("alter table staging.stg_hris__attendance alter attendance_date type varchar")  # and a new type
    changed = sources.staging_drift(con, ATTENDANCE, NOW)
    assert not changed.passed
    assert set(changed.sample_keys) == {"added status VARCHAR", "attendance_date: DATE -> VARCHAR"}
    assert sources.staging_drift(con, ATTENDANCE, NOW).passed  # the new schema is the baseline now
    assert con.execute("select count(*) from meta.column_schemas").fetchall()[0][0] == 2
