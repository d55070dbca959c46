"""The quality marts the dashboards read: checks passed and failed per table and day, quarantined rows per
source, findings per control, severity and department (only when the findings marts exist). Expected values are
counted by hand from the rows inserted here."""

from __future__ import annotations

import datetime as dt

from assets.ingest.manifest import ensure_schemas
from assets.quality.assets import build_quality_views
from checks.results import CheckOutcome, record_outcomes

DAY1 = dt.datetime(2024, 3, 1, 2, 0)
DAY2 = dt.datetime(2024, 3, 2, 2, 0)


def _outcome(table: str, name: str, passed: bool, severity: str = "ERROR", unexpected: int = 0) -> CheckOutcome:
    return CheckOutcome(table, name, "completeness", severity, passed, "d", "gx", unexpected_count=unexpected)


def test_checks_per_table_and_day_count_each_check_once_by_its_last_result(con):
    ensure_schemas(con)
    record_outcomes(con, "run1", [
        _outcome("core.dim_employee", "completeness_employee_id", True),
        _outcome("core.dim_employee", "uniqueness_employee_version_id", False, unexpected=4),  # planted
        _outcome("staging.stg_hris__employees", "completeness_tax_id", False, "WARN", unexpected=2),  # planted
    ], at=DAY1)  # fmt: skip
    # a rerun the same day fixes the uniqueness failure: only its last result counts
    record_outcomes(con, "run2", [_outcome("core.dim_employee", "uniqueness_employee_version_id", True)],
                    at=DAY1 + dt.timedelta(hours=3))  # fmt: skip
    record_outcomes(con, "run3", [_outcome("core.dim_employee", "completeness_employee_id", False, unexpected=1)],
                    at=DAY2)  # planted  # fmt: skip
    build_quality_views(con)
    rows = con.execute(
        """
        select check_date, layer, table_name, n_checks, n_passed, n_failed, n_failed_error, n_failed_warn,
               n_unexpected_rows, is_all_passed, failed_checks
        from marts.quality_check_daily order by 1, 3
        """
    ).fetchall()
    assert rows == [
        # day 1, dim_employee: 2 checks (uniqueness by its 05:00 result), both passed
        (DAY1.date(), "core", "core.dim_employee", 2, 2, 0, 0, 0, 0, True, []),
        # day 1, staged employees: 1 WARN failure with 2 rows
        (DAY1.date(), "staging", "staging.stg_hris__employees", 1, 0, 1, 0, 1, 2, False, ["completeness_tax_id"]),
        # day 2: only what ran that day
        (DAY2.date(), "core", "core.dim_employee", 1, 0, 1, 1, 0, 1, False, ["completeness_employee_id"]),
    ]


def test_quarantined_rows_per_source_with_their_rules(con):
    ensure_schemas(con)
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, rows_read, rows_staged, rows_quarantined,
                                        status, loaded_at) values
            ('a', 'hris__leave', 'hris/leave.csv', 100, 96, 4, 'loaded', '2024-03-01 02:00'),
            ('b', 'hris__leave', 'hris/leave_old.csv', 50, 0, 0, 'superseded', '2024-02-01 02:00'),
            ('c', 'hris__leave', 'hris/leave_bad.csv', 0, 0, 0, 'failed', '2024-03-01 02:00'),
            ('d', 'erp__vendors', 'finance/vendors.csv', 10, 10, 0, 'loaded', '2024-03-01 02:00')
        """
    )
    con.execute("create table quarantine.hris__leave (rule varchar)")
    rules = ["required", "required", "required", "leave_end_after_start"]
    con.executemany("insert into quarantine.hris__leave values (?)", [[r] for r in rules])
    con.execute("create table quarantine.erp__vendors (rule varchar)")  # nothing quarantined
    build_quality_views(con)
    rows = con.execute(
        """
        select source, n_files_loaded, n_files_failed, n_rows_read, n_rows_staged, n_rows_quarantined,
               pct_rows_quarantined, top_rule, quarantine_rules
        from marts.quality_quarantine_by_source order by source
        """
    ).fetchall()
    assert rows == [
        ("erp__vendors", 1, 0, 10, 10, 0, 0.0, None, None),
        # the superseded version does not count; 4 of 100 rows read = 4%
        ("hris__leave", 1, 1, 100, 96, 4, 4.0, "required", "required: 3, leave_end_after_start: 1"),
    ]


def test_findings_summary_is_empty_until_the_findings_marts_exist(con):
    ensure_schemas(con)
    build_quality_views(con)
    assert con.execute("select count(*) from marts.quality_findings_summary").fetchall() == [(0,)]
    con.execute(
        """
        create table marts.control_findings as select * from (values
            ('paid_after_termination', 'high', 'E1', date '2024-02-01', 'D01', 9000000),
            ('paid_after_termination', 'high', 'E2', date '2024-03-01', 'D01', 8000000),
            ('duplicate_payment', 'medium', 'INV-1', date '2024-03-01', null, 500000)
        ) v(control_code, severity, entity_key, period, department_id, amount_at_risk_idr)
        """
    )
    build_quality_views(con)  # the next run sees the new mart (compliance_findings still missing)
    rows = con.execute(
        """
        select finding_source, control_code, severity, department_id, n_findings, n_entities, amount_at_risk_idr,
               first_period, last_period
        from marts.quality_findings_summary order by control_code
        """
    ).fetchall()
    assert rows == [
        ("control", "duplicate_payment", "medium", "UNASSIGNED", 1, 1, 500000.0, dt.date(2024, 3, 1),
         dt.date(2024, 3, 1)),
        # two employees in D01: 9,000,000 + 8,000,000
        ("control", "paid_after_termination", "high", "D01", 2, 2, 17000000.0, dt.date(2024, 2, 1),
         dt.date(2024, 3, 1)),
    ]  # fmt: skip
