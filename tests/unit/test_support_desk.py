"""Service-desk tickets from event logs: SLA clocks worked out by hand across a weekend and a public holiday, a
reopened ticket, a ticket resolved in the month after it was opened, and the events that break the lifecycle.

Business clock: 08:00-17:00 on working days (Monday to Friday, public holidays off; 9 May 2024, Ascension Day, is
a public holiday; 10 May is collective leave, which the company calendar counts as a working day)."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import create_canonical, load_reference, run_models

from assets.support.assets import REFERENCE, write_support_reference
from pipelines.settings import Settings

MODELS = ("assets/support/sql/fct_ticket_event.sql", "assets/support/sql/fct_ticket.sql")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def event(ticket, time, state, priority="3", group="Service Desk", **extra):
    return {"ticket_id": ticket, "event_time": ts(time), "state": state, "priority": priority,
            "assignment_group": group, "requester_department_id": extra.pop("department", "D01"), **extra}  # fmt: skip


EVENTS = [
    # T1, P3 (8 h / 40 h business): opened Wednesday 16:00 before the Thursday holiday
    event("T1", "2024-05-08 16:00", "new"),
    event("T1", "2024-05-10 09:30", "active"),
    event("T1", "2024-05-13 10:00", "resolved"),
    event("T1", "2024-05-14 10:00", "closed"),
    # T2, P2 (4 h / 16 h business): resolved, reopened the next day, resolved again
    event("T2", "2024-05-13 09:00", "new", "2"),
    event("T2", "2024-05-13 09:30", "active", "2"),
    event("T2", "2024-05-13 11:00", "resolved", "2"),
    event("T2", "2024-05-14 10:00", "active", "2"),
    event("T2", "2024-05-14 15:00", "resolved", "2"),
    event("T2", "2024-05-15 09:00", "closed", "2"),
    # T3, P1 (1 h / 4 h calendar): opened on the last evening of May, moved to Network, resolved in June
    event("T3", "2024-05-31 22:00", "new", "1"),
    event("T3", "2024-05-31 22:30", "active", "1", "Network"),
    event("T3", "2024-06-01 03:00", "resolved", "1", "Network", made_sla=True),
    event("T3", "2024-06-01 03:00", "resolved", "1", "Network", made_sla=True),  # exported twice
    # T4, P3: closed on 22 May without ever being resolved (a control finding): it leaves the queue when closed
    event("T4", "2024-05-20 10:00", "new"),
    event("T4", "2024-05-20 11:00", "active"),
    event("T4", "2024-05-22 10:00", "closed"),
]


@pytest.fixture(scope="module")
def desk():
    import duckdb

    con = duckdb.connect()
    load_reference(con)
    for name in REFERENCE:
        write_support_reference(con, name)
    create_canonical(con, "service_desk_events", EVENTS, source="itsm__incidents")
    run_models(con, Settings(work_week_days=5), *MODELS)
    yield con
    con.close()


def ticket(con, ticket_id: str) -> dict:
    cursor = con.execute("select * from core.fct_ticket where ticket_id = ?", [ticket_id])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def test_business_clock_skips_the_holiday_and_the_weekend(desk):
    t1 = ticket(desk, "T1")
    # response: Wed 16:00-17:00 (1 h) + Thu 9 May holiday (0) + Fri 08:00-09:30 (1.5 h) = 2.5 h of 8
    assert t1["response_hours"] == pytest.approx(2.5)
    assert t1["is_response_met"] is True
    # resolution: Wed 1 h + Fri 9 h + Sat, Sun 0 + Mon 08:00-10:00 2 h = 12 h of 40
    assert t1["resolution_hours"] == pytest.approx(12.0)
    assert t1["resolution_working_hours"] == pytest.approx(12.0)
    assert t1["is_resolution_met"] is True
    assert t1["current_state"] == "closed" and t1["is_first_contact_resolution"] is True


def test_a_reopened_ticket_runs_to_its_last_resolution(desk):
    t2 = ticket(desk, "T2")
    assert t2["reopen_count"] == 1 and t2["is_first_contact_resolution"] is False
    assert t2["resolved_at"] == ts("2024-05-14 15:00")
    assert t2["response_hours"] == pytest.approx(0.5)
    # Mon 09:00-17:00 (8 h) + Tue 08:00-15:00 (7 h) = 15 h of 16
    assert t2["resolution_hours"] == pytest.approx(15.0)
    assert t2["is_resolution_met"] is True


def test_a_critical_ticket_on_the_calendar_clock_resolved_the_next_month(desk):
    t3 = ticket(desk, "T3")
    assert (t3["opened_period"], t3["resolved_period"]) == (dt.date(2024, 5, 1), dt.date(2024, 6, 1))
    assert t3["sla_clock"] == "calendar"
    assert t3["response_hours"] == pytest.approx(0.5) and t3["is_response_met"] is True
    # 22:00 to 03:00 is 5 h around the clock, over the 4 h target; the source says the SLA was made
    assert t3["resolution_hours"] == pytest.approx(5.0) and t3["is_resolution_met"] is False
    assert t3["made_sla_recorded"] is True
    # business hours for MTTR: Fri 31 May after 17:00 and Saturday 1 June (a public holiday and a rest day) = 0
    assert t3["resolution_working_hours"] == pytest.approx(0.0)
    assert t3["reassignment_count"] == 1 and t3["n_duplicate_events"] == 1 and t3["n_events"] == 3


def test_the_lifecycle_is_checked(desk):
    moves = desk.execute(
        "select ticket_id, previous_state, state from core.fct_ticket_event where is_invalid_transition"
    ).fetchall()
    assert moves == [("T4", "active", "closed")], "closing without resolving skips a state"
    reopens = desk.execute("select ticket_id, event_seq from core.fct_ticket_event where is_reopen").fetchall()
    assert reopens == [("T2", 4)]


KPI_MODELS = (
    "assets/hr/sql/reporting_window.sql", "assets/hr/sql/dim_date.sql", "assets/hr/sql/dim_period.sql",
    "assets/kpi/sql/kpi_support__desk.sql",
)  # fmt: skip


def kpis(con, period: str, department: str = "ALL") -> dict[str, float | None]:
    rows = con.execute(
        "select kpi_code, value from marts.kpi_support__desk where period = ?::date and department_id = ?",
        [period, department],
    )
    return dict(rows.fetchall())


def test_kpis_by_hand(desk):
    run_models(desk, Settings(reporting_months=2), *KPI_MODELS)
    may, june = kpis(desk, "2024-05-01"), kpis(desk, "2024-06-01")
    assert may["support_tickets_opened"] == 4 and june["support_tickets_opened"] == 0
    # T1 and T2 resolved in May, T3 on 1 June
    assert may["support_tickets_resolved"] == 2 and june["support_tickets_resolved"] == 1
    # 31 May 24:00: T3 is open, opened 2 h before the month end; T4 was closed (unresolved) on 22 May
    assert may["support_backlog"] == 1
    assert may["support_backlog_age_days"] == pytest.approx(2 / 24)
    assert june["support_backlog"] == 0 and june["support_backlog_age_days"] is None
    # MTTR in working hours: T1 12 h, T2 15 h -> mean 13.5, median 13.5; June: T3 0 h
    assert may["support_mttr_hours"] == pytest.approx(13.5) and may["support_mttr_median_hours"] == pytest.approx(13.5)
    assert june["support_mttr_hours"] == pytest.approx(0.0)
    # every ticket was first worked in May, within its response target
    assert may["support_sla_response_pct"] == pytest.approx(100.0) and june["support_sla_response_pct"] is None
    assert may["support_sla_resolution_pct"] == pytest.approx(100.0) and june["support_sla_resolution_pct"] == 0
    # May: T1 first contact, T2 reopened; June: T3 reassigned
    assert may["support_first_contact_resolution_pct"] == pytest.approx(50.0)
    assert may["support_reopen_rate_pct"] == pytest.approx(50.0)
    assert june["support_reassignment_rate_pct"] == pytest.approx(100.0)
    assert kpis(desk, "2024-05-01", "D01")["support_tickets_opened"] == 4


SERVICENOW_COLUMNS = (
    "number,incident_state,active,reassignment_count,reopen_count,made_sla,opened_at,"
    "sys_updated_at,contact_type,location,category,priority,assignment_group,resolved_at,closed_at"
)
SERVICENOW_ROWS = [
    "INC0000045,Resolved,true,0,0,true,07/05/2024 09:00,07/05/2024 15:00"
    ",Phone,Location 143,Category 55,3 - Moderate,Group 56,07/05/2024 15:00,?",
    "INC0000045,New,true,0,0,true,07/05/2024 09:00,07/05/2024 09:00"
    ",Phone,Location 143,Category 55,3 - Moderate,Group 56,?,?",
    "INC0000045,Active,true,0,0,true,07/05/2024 09:00,07/05/2024 10:00"
    ",Phone,Location 143,Category 55,3 - Moderate,Group 56,?,?",
    "INC0000045,Active,true,0,0,true,07/05/2024 09:00,07/05/2024 10:00"
    ",Phone,Location 143,Category 55,3 - Moderate,Group 56,?,?",
    "INC0000047,Active,true,1,0,false,06/05/2024 14:00,06/05/2024 16:30,Email,?,Category 20,2 - High,Group 70,?,?",
    "INC0000047,Closed,false,1,0,false,06/05/2024 14:00,08/05/2024 11:00"
    ",Email,?,Category 20,2 - High,Group 70,?,08/05/2024 11:00",
]
SERVICENOW_EXPORT = "\n".join([SERVICENOW_COLUMNS, *SERVICENOW_ROWS]) + "\n"


@pytest.fixture
def servicenow(tmp_path):
    import duckdb
    from fixtures.warehouse import ROOT

    from assets.canonical.build import build_canonical
    from assets.canonical.catalog import entity
    from assets.ingest.contracts import load_contract
    from assets.ingest.loader import ingest_contract
    from assets.ingest.staging import build_staging

    (tmp_path / "servicenow").mkdir()
    (tmp_path / "servicenow" / "incident_2024-05.csv").write_text(SERVICENOW_EXPORT, encoding="utf-8")
    contract = load_contract(ROOT / "contracts" / "examples" / "servicenow__incidents.yaml")
    con = duckdb.connect()
    ingest_contract(con, contract, tmp_path)
    build_staging(con, contract)
    build_canonical(con, entity("service_desk_events"), [contract], "IDR")
    load_reference(con)
    for name in REFERENCE:
        write_support_reference(con, name)
    run_models(con, Settings(), *MODELS)
    yield con
    con.close()


def test_a_servicenow_export_maps_into_tickets(servicenow):
    read, staged, quarantined = servicenow.execute(
        "select rows_read, rows_staged, rows_quarantined from meta.load_manifest"
    ).fetchone()
    # one update exported twice: the copy breaks the key (incident, time, state) and is quarantined, not lost
    assert (read, staged, quarantined) == (6, 5, 1)
    rule = servicenow.execute("select rule from quarantine.servicenow__incidents").fetchone()[0]
    assert rule == "primary_key_unique"
    inc45 = ticket(servicenow, "INC0000045")
    # out of order in the file: three events, in time order
    assert inc45["n_events"] == 3 and inc45["n_duplicate_events"] == 0
    assert inc45["priority"] == "3" and inc45["requester_department_id"] == "Location 143"
    # Tuesday 7 May 2024, 09:00 to 15:00: six business hours, within the 40 h of priority 3
    assert inc45["resolution_hours"] == pytest.approx(6.0) and inc45["is_resolution_met"] is True
    assert inc45["has_opening_event"] is True and inc45["n_invalid_transitions"] == 0
    inc47 = ticket(servicenow, "INC0000047")
    # no opening event, closed without ever being resolved: no resolution time is made up
    assert inc47["has_opening_event"] is False
    assert inc47["resolved_at"] is None and inc47["resolution_hours"] is None and inc47["is_resolution_met"] is None
    assert inc47["n_invalid_transitions"] == 1  # active -> closed skips resolved
    assert inc47["requester_department_id"] is None and inc47["reassignment_count"] == 1
