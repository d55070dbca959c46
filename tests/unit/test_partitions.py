"""Monthly partitions (pipelines/partitions.py): only months whose inputs changed are rebuilt, a month is replaced
and never appended twice, and the result always equals a full rebuild."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import HR_CORE, ROOT, create_staging, load_reference, run_models

from assets.sqlmodels import parse_model, run_model
from pipelines.partitions import run_partitioned
from pipelines.settings import Settings

D = dt.date.fromisoformat
MODEL = "select period, sum(amount) as amount, count(*) as n from staging.src group by period order by period"
FINGERPRINT = "select period, bit_xor(hash(id, amount))::varchar as fingerprint from staging.src group by period"


def contents(con, table):
    return con.execute(f"select * from {table} order by all").fetchall()


@pytest.fixture
def src(con):
    con.execute("create schema staging; create schema core")
    con.execute("create table staging.src (id int, period date, amount int)")
    con.execute("insert into staging.src values (1, '2025-01-01', 10), (2, '2025-01-01', 5), (3, '2025-02-01', 7)")
    return con


def test_first_build_is_full_and_a_rerun_writes_nothing(src):
    first = run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    assert (first.mode, first.periods_rebuilt) == ("full", [D("2025-01-01"), D("2025-02-01")])
    assert contents(src, "core.t") == [(D("2025-01-01"), 15, 2), (D("2025-02-01"), 7, 1)]
    again = run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    assert (again.mode, again.periods_rebuilt, again.periods_removed) == ("incremental", [], [])


def test_a_new_and_a_changed_month_are_replaced_not_appended(src):
    run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    src.execute("update staging.src set amount = 8 where id = 3")  # February changes
    src.execute("insert into staging.src values (4, '2025-03-01', 1)")  # March arrives
    build = run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    assert build.periods_rebuilt == [D("2025-02-01"), D("2025-03-01")]
    assert contents(src, "core.t") == [(D("2025-01-01"), 15, 2), (D("2025-02-01"), 8, 1), (D("2025-03-01"), 1, 1)]
    assert contents(src, "core.t") == contents(src, f"({MODEL})")


def test_a_month_that_disappears_is_removed(src):
    run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    src.execute("delete from staging.src where period = '2025-01-01'")
    build = run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    assert (build.periods_rebuilt, build.periods_removed) == ([], [D("2025-01-01")])
    assert contents(src, "core.t") == [(D("2025-02-01"), 7, 1)]


def test_changed_sql_rebuilds_everything(src):
    run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    build = run_partitioned(src, "core.t", MODEL.replace("count(*)", "count(id)"), FINGERPRINT)
    assert build.mode == "full"


def test_changed_macros_rebuild_everything(src):
    # a macro the model calls is part of its code: months built with the old one are not kept
    run_partitioned(src, "core.t", MODEL, FINGERPRINT, "create or replace temp macro m(x) as x;")
    same = run_partitioned(src, "core.t", MODEL, FINGERPRINT, "create or replace temp macro m(x) as x;")
    assert (same.mode, same.periods_rebuilt) == ("incremental", [])
    build = run_partitioned(src, "core.t", MODEL, FINGERPRINT, "create or replace temp macro m(x) as x + 1;")
    assert build.mode == "full"


def test_a_failed_build_leaves_the_table_and_its_state_as_they_were(src):
    run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    src.execute("insert into staging.src values (5, '2025-03-01', 1)")
    broken = MODEL.replace("count(*) as n", "error('the model failed') as n")
    with pytest.raises(Exception, match="the model failed"):
        run_partitioned(src, "core.t", broken, FINGERPRINT)
    assert contents(src, "core.t") == [(D("2025-01-01"), 15, 2), (D("2025-02-01"), 7, 1)]
    assert run_partitioned(src, "core.t", MODEL, FINGERPRINT).periods_rebuilt == [D("2025-03-01")]


# --- the attendance fact on the real models --------------------------------------------------------------------


def hr_event(event_id, employee, date, event_type, department, termination_type=None):
    return {"event_id": event_id, "employee_id": employee, "event_date": D(date), "event_type": event_type,
            "department_id": department, "position": "Staff", "grade": "G1", "employment_type": "PKWTT",
            "base_salary_idr": 8_000_000, "termination_type": termination_type}  # fmt: skip


def attendance(employee, date, status="present"):
    return {"employee_id": employee, "attendance_date": D(date), "status": status, "day_type": "workday"}


EVENTS = [hr_event("1", "A1", "2024-12-01", "hire", "D1"), hr_event("2", "A2", "2024-12-01", "hire", "D2")]
JANUARY_FEBRUARY = [
    attendance("A1", "2025-01-06"), attendance("A2", "2025-01-06", "sick"),
    attendance("A1", "2025-02-03"), attendance("A2", "2025-02-03"), attendance("Z9", "2025-02-04"),
]  # fmt: skip
MARCH = [attendance("A1", "2025-03-03"), attendance("A2", "2025-03-03")]
FACT = "assets/hr/sql/fct_attendance_daily.sql"


def build_fact(con, settings):
    run_models(con, settings, *HR_CORE)
    return run_model(con, parse_model(ROOT / FACT, "core"), settings)


@pytest.fixture
def two_months(con):
    """The fact built over January and February: the settings it was built with."""
    settings = Settings(reporting_months=6)
    load_reference(con)
    create_staging(con, "hris__employees", [])
    create_staging(con, "hris__job_history", EVENTS)
    create_staging(con, "hris__attendance", JANUARY_FEBRUARY)
    assert build_fact(con, settings).mode == "full"
    return settings


def test_a_new_month_and_a_leaver_in_it_rebuild_only_that_month(con, two_months):
    settings = two_months
    assert build_fact(con, settings).periods_rebuilt == []  # nothing changed

    # March lands: A2 leaves on 15 March (her open version now ends) and Z9, unknown so far, is hired in March
    leaver = hr_event("3", "A2", "2025-03-15", "termination", "D2", "voluntary")
    create_staging(con, "hris__job_history", [*EVENTS, leaver, hr_event("4", "Z9", "2025-03-01", "hire", "D1")])
    create_staging(con, "hris__attendance", JANUARY_FEBRUARY + MARCH)
    build = build_fact(con, settings)
    # February is rebuilt because Z9's February row is now of a known (not yet employed) employee; January is not
    assert build.periods_rebuilt == [D("2025-02-01"), D("2025-03-01")]
    incremental = contents(con, "core.fct_attendance_daily")
    con.execute("delete from meta.partition_state")
    assert build_fact(con, settings).mode == "full"
    assert incremental == contents(con, "core.fct_attendance_daily")


def test_the_checks_of_a_partitioned_table_see_only_the_rebuilt_months(src):
    from checks.runner import scope_filter
    from checks.spec import REBUILT_PERIODS, Suite

    suite = Suite(table="core.t", checks=(), scope=REBUILT_PERIODS)
    run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    condition, scope = scope_filter(src, suite)
    assert scope == "rebuilt months: 2 (2025-01 .. 2025-02)"
    src.execute("insert into staging.src values (4, '2025-03-01', 1)")
    run_partitioned(src, "core.t", MODEL, FINGERPRINT)
    condition, scope = scope_filter(src, suite)
    assert scope == "rebuilt months: 1 (2025-03 .. 2025-03)"
    assert src.execute(f"select period from core.t where {condition}").fetchall() == [(D("2025-03-01"),)]


def test_a_model_standing_on_another_tables_months_is_built_after_it():
    # the expected overtime's fingerprint reads the recorded months of core.fct_attendance_daily, which its own SQL
    # never names: without the dependency it could run first and read last night's months
    from pipelines.partitions import tables_built_on

    fingerprint = (ROOT / "assets/payroll/sql/int_payroll__expected_overtime.partitions.sql").read_text("utf-8")
    assert ("core", "fct_attendance_daily") in tables_built_on(fingerprint)
    model = parse_model(ROOT / "assets/payroll/sql/int_payroll__expected_overtime.sql", "core")
    assert ("core", "fct_attendance_daily") in model.upstream
    assert ("meta", "partition_state") not in model.upstream  # the mechanism's own table is no input


def test_a_line_restaged_with_another_value_rebuilds_its_month(con, two_months):
    # a changed contract restages a file's lines in place (same file version, same line, another value): the month
    # must be rebuilt although no file came or went
    settings = two_months
    con.execute("update canonical.attendance set status = 'permit' where employee_id = 'A2' and status = 'sick'")
    assert build_fact(con, settings).periods_rebuilt == [D("2025-01-01")]
    status = "select status from core.fct_attendance_daily where employee_id = 'A2' and period = '2025-01-01'"
    assert con.execute(status).fetchall() == [("permit",)]
