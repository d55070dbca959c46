"""A night that loads one more month rebuilds only what the month changes, and leaves every table exactly as a full
rebuild on the same files would (the benchmark harness makes the same comparison at M and L)."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import duckdb
import pytest

from benchmarks.harness import end_period, generate, run_child, stage_landing
from benchmarks.table_hashes import differences, table_hashes

pytestmark = pytest.mark.integration

EMPLOYEES = 60
MONTHS = 3  # the company has MONTHS + 1 months; the last one lands on the second night, with two terminations, a
# transfer and two contract renewals of people paid in the months before (the harness holds back their job events)
PAYROLL_CHAIN = (
    "core.fct_payslip_line",
    "core.fct_payslip",
    "core.int_payroll__payslip_context",
    "core.int_payroll__expected_pph21",
    "core.int_payroll__expected_bpjs",
)


def _rebuilt_since(warehouse, moment: dt.datetime) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, list(strftime(period, '%Y-%m') order by period) from meta.partition_state "
            "where built_at > ? group by table_name",
            [moment],
        ).fetchall()
    return dict(rows)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    incremental, full = tmp_path_factory.mktemp("incremental"), tmp_path_factory.mktemp("full")
    generate(incremental, EMPLOYEES, MONTHS)
    shutil.copytree(incremental / "source", full / "source", copy_function=os.link)

    stage_landing(incremental, MONTHS, include_last_month=False)
    run_child("bare_sql", incremental, MONTHS)
    between = dt.datetime.now()
    stage_landing(incremental, MONTHS, include_last_month=True)
    run_child("bare_sql", incremental, MONTHS)

    stage_landing(full, MONTHS, include_last_month=True)
    run_child("bare_sql", full, MONTHS)
    return incremental / "bare.duckdb", full / "bare.duckdb", between


def test_the_new_month_brings_a_leaver_paid_before(nights):
    incremental, _, _ = nights
    with duckdb.connect(str(incremental), read_only=True) as con:
        leavers = con.execute(
            "select count(distinct e.employee_id) from core.dim_employee e join core.fct_payslip p using (employee_id)"
            " where e.termination_date >= ?::date and p.period < ?::date",
            [f"{end_period(MONTHS)}-01"] * 2,
        ).fetchone()[0]
    assert leavers >= 1  # else the comparison below would not see a later leaving reach earlier months


def test_after_the_new_month_every_table_equals_a_full_rebuild(nights):
    incremental, full, _ = nights
    hashes = table_hashes(incremental)
    assert len(hashes) > 120  # reference, staging, quarantine, canonical, core, marts: all but the load history
    assert differences(hashes, table_hashes(full)) == []


def test_the_payroll_chain_rebuilt_only_the_new_month(nights):
    incremental, _, between = nights
    rebuilt = _rebuilt_since(incremental, between)
    new_month = end_period(MONTHS)
    for table in PAYROLL_CHAIN:
        assert rebuilt.get(table) == [new_month], table
    # the months of the recalculation and overtime follow attendance too: the new month at least, never all
    for table in ("core.int_payroll__expected_overtime", "marts.payroll_recalculation"):
        assert new_month in rebuilt[table] and len(rebuilt[table]) < MONTHS + 1, table


def test_working_time_findings_rebuilt_the_months_of_attendance_and_the_weeks_into_them(nights):
    """A week is judged in the month of its Monday and may end in the next month: the findings rebuild the months
    of attendance rebuilt and the month before each, no other; and there are daily and weekly findings to compare."""
    incremental, full, between = nights
    rebuilt = _rebuilt_since(incremental, between)
    attendance = {dt.date.fromisoformat(f"{m}-01") for m in rebuilt["core.fct_attendance_daily"]}
    before = {(m - dt.timedelta(days=1)).replace(day=1) for m in attendance}
    assert rebuilt["core.int_findings__working_time"] == [m.strftime("%Y-%m") for m in sorted(attendance | before)]
    assert end_period(MONTHS) in rebuilt["core.int_findings__working_time"]
    with duckdb.connect(str(full), read_only=True) as con:
        kinds = con.execute(
            "select list(distinct control_code order by control_code) from core.int_findings__working_time"
        )
        assert kinds.fetchone()[0] == ["overtime_daily_limit", "overtime_weekly_limit"]
