"""The demo company's IT service desk: a few thousand tickets a year, written as a ServiceNow-style incident event
log (one row per update: New, Active, Awaiting User Info, Resolved, Closed; day-first timestamps; '?' for
empty; priority labels with codes), one file per month of the updates (``support/incidents_YYYY_MM.csv``).

Clocks follow docs/service_desk.md and assets/support/*.csv: targets per priority, business hours 08:00-17:00 on
working days (rest days by work_week_days, public holidays off). Every clean ticket's ``made_sla`` is what its
clock says. Planted anomalies (answer key, entity ``ticket``): a ticket closed without ever being resolved, one
resolved before it was opened, one whose events break the lifecycle, one reopened many times, and an SLA
breach recorded as met. Its own random stream, so the rest of the company is the same with or without it.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from generator.context import Context
from generator.writers import write_csv

SUPPORT_DIR = Path(__file__).resolve().parents[1] / "assets" / "support"
GROUPS = {
    "Service Desk": ["Password reset", "Email", "How-to"],
    "Applications": ["ERP", "HRIS", "Payroll application"],
    "Network": ["VPN", "Wi-Fi", "Internet"],
    "Hardware": ["Laptop", "Printer", "Phone"],
    "Access Management": ["New account", "Access request"],
}
PRIORITY_LABELS = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low"}
PRIORITY_WEIGHTS = [0.03, 0.17, 0.55, 0.25]
CONTACT_TYPES = ["Self-service", "Email", "Phone", "Walk in"]
TICKETS_PER_EMPLOYEE_MONTH = 0.6
#: planted anomaly types and their default counts
DEFAULT_ANOMALIES = {
    "ticket_closed_without_resolution": 1,
    "ticket_resolved_before_opened": 1,
    "ticket_invalid_transition": 1,
    "ticket_excessive_reopens": 1,
    "ticket_sla_breach_recorded_as_met": 1,
}
HOUR = dt.timedelta(hours=1)


def _targets() -> dict[int, tuple[float, float, str]]:
    with (SUPPORT_DIR / "sla_targets.csv").open(encoding="utf-8") as handle:
        return {
            int(r["priority"]): (float(r["response_target_hours"]), float(r["resolution_target_hours"]), r["clock"])
            for r in csv.DictReader(handle)
        }


def _business_hours() -> tuple[dt.time, dt.time]:
    with (SUPPORT_DIR / "business_hours.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    return dt.time.fromisoformat(row["day_start"]), dt.time.fromisoformat(row["day_end"])


class Clock:
    """Calendar and business hours, the same rule as core.fct_ticket."""

    def __init__(self, public: set[dt.date], work_week_days: int) -> None:
        self.public, self.work_week_days = public, work_week_days
        self.start, self.end = _business_hours()

    def working(self, day: dt.date) -> bool:
        return day.weekday() < self.work_week_days and day not in self.public

    def hours(self, a: dt.datetime, b: dt.datetime, clock: str) -> float:
        if clock == "calendar":
            return (b - a) / HOUR
        total, day = 0.0, a.date()
        while day <= b.date():
            if self.working(day):
                lo = max(a, dt.datetime.combine(day, self.start))
                hi = min(b, dt.datetime.combine(day, self.end))
                total += max((hi - lo) / HOUR, 0.0)
            day += dt.timedelta(days=1)
        return total

    def add(self, a: dt.datetime, hours: float, clock: str) -> dt.datetime:
        """The moment ``hours`` of the clock after ``a``."""
        if clock == "calendar":
            return a + hours * HOUR
        left, moment = hours, a
        while True:
            day = moment.date()
            if self.working(day):
                lo = max(moment, dt.datetime.combine(day, self.start))
                hi = dt.datetime.combine(day, self.end)
                if lo < hi:
                    available = (hi - lo) / HOUR
                    if left <= available:
                        return lo + left * HOUR
                    left -= available
            moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))


@dataclass
class Ticket:
    ticket_id: str
    opened: dt.datetime
    priority: int
    department: str
    category: str
    contact: str
    events: list[tuple[dt.datetime, str, str]] = field(default_factory=list)  # (time, state, group)
    opened_field: dt.datetime | None = None
    made_sla: bool | None = None


def generate_service_desk(ctx: Context, departments: pd.DataFrame) -> int:
    """Write the event log of every month in the window; return the number of event rows."""
    rng = ctx.stream("service_desk")
    clock = Clock(ctx.calendar.public, ctx.calendar.work_week_days)
    targets = _targets()
    end = dt.datetime.combine(ctx.end_date, dt.time(23, 59))
    dept_ids = list(departments["department_id"])
    tickets: list[Ticket] = []
    for period in ctx.periods:
        month = ctx.month(period)
        days = [d.astype(dt.date) for d, ok in zip(month.dates, month.scheduled, strict=True) if ok]
        n = int(rng.poisson(TICKETS_PER_EMPLOYEE_MONTH * ctx.config.employees))
        for _ in range(n):
            priority = int(rng.choice([1, 2, 3, 4], p=PRIORITY_WEIGHTS))
            day = days[int(rng.integers(len(days)))]
            if priority == 1:  # critical incidents come at any hour
                opened = dt.datetime.combine(day, dt.time(int(rng.integers(24)), int(rng.integers(60))))
            else:
                opened = dt.datetime.combine(day, dt.time(int(rng.integers(8, 16)), int(rng.integers(60))))
            group = list(GROUPS)[int(rng.integers(len(GROUPS)))]
            ticket = Ticket(
                f"INC{len(tickets) + 1:07d}",
                opened,
                priority,
                dept_ids[int(rng.integers(len(dept_ids)))],
                GROUPS[group][int(rng.integers(len(GROUPS[group])))],
                CONTACT_TYPES[int(rng.integers(4))],
            )
            _clean_life(ticket, group, rng, clock, targets, end)
            tickets.append(ticket)
    _plant(ctx, tickets, rng, clock, targets, end)
    rows = [row for t in tickets for row in _rows(t, targets, clock)]
    frame = pd.DataFrame(rows).sort_values(["sys_updated_at_sort", "number", "_seq"])
    total = 0
    for period, part in frame.groupby("period"):
        y, m = period.split("-")
        name = f"support/incidents_{y}_{m}.csv"
        written = write_csv(part.drop(columns=["sys_updated_at_sort", "_seq", "period"]), ctx.landing(name))
        ctx.count(name, written)
        total += written
    return total


def _clean_life(ticket: Ticket, group: str, rng, clock: Clock, targets, end: dt.datetime) -> None:
    response_target, resolution_target, kind = targets[ticket.priority]
    # four in ten tickets land on the desk and are passed to the group that can fix them (a reassignment)
    first_group = "Service Desk" if rng.random() < 0.4 else group
    events = [(ticket.opened, "new", first_group)]
    worked = clock.add(ticket.opened, response_target * float(rng.uniform(0.05, 0.7)), kind)
    events.append((worked, "active", group))
    breach = rng.random() < 0.1
    share = float(rng.uniform(1.2, 2.5)) if breach else float(rng.uniform(0.1, 0.8))
    resolved = clock.add(ticket.opened, max(resolution_target * share, (worked - ticket.opened) / HOUR + 0.1), kind)
    if resolved <= worked:
        resolved = worked + dt.timedelta(minutes=30)
    if rng.random() < 0.15 and not breach:
        waiting = worked + (resolved - worked) / 3
        events += [(waiting, "awaiting_user", group), (waiting + (resolved - worked) / 3, "active", group)]
    if resolved > end:
        ticket.events = [e for e in events if e[0] <= end]
        return
    events.append((resolved, "resolved", group))
    if rng.random() < 0.05:  # reopened once by the requester, resolved again the next working day
        reopened = clock.add(resolved, 2.0, "business")
        again = clock.add(reopened, 3.0, "business")
        if again <= end:
            events += [(reopened, "active", group), (again, "resolved", group)]
    last = max(e[0] for e in events if e[1] == "resolved")
    closed = last + dt.timedelta(days=3)
    if closed <= end:
        events.append((closed, "closed", group))
    ticket.events = events
    ticket.made_sla = clock.hours(ticket.opened, last, kind) <= resolution_target


def _plant(ctx: Context, tickets: list[Ticket], rng, clock: Clock, targets, end: dt.datetime) -> None:
    """Turn some clean, closed, unreopened tickets into the planted anomalies."""
    candidates = [
        t
        for t in tickets
        if t.made_sla and [s for _, s, _ in t.events] == ["new", "active", "resolved", "closed"] and t.priority > 1
    ]
    order = rng.permutation(len(candidates))
    picks = iter(candidates[i] for i in order)
    for kind, default in DEFAULT_ANOMALIES.items():
        for _ in range(ctx.config.anomaly_count(kind, default)):
            ticket = next(picks, None)
            if ticket is None:
                break
            text = _apply(kind, ticket, clock, targets)
            ctx.answer_key.add(kind, "ticket", ticket.ticket_id, ticket.opened.strftime("%Y-%m"), text)


def _apply(kind: str, t: Ticket, clock: Clock, targets) -> str:
    (opened, _, desk), (worked, _, group), (resolved, _, _), (closed, _, _) = t.events
    if kind == "ticket_closed_without_resolution":
        t.events = [(opened, "new", desk), (worked, "active", group), (closed, "closed", group)]
        t.made_sla = None
        return f"{t.ticket_id} was closed without ever being resolved"
    if kind == "ticket_resolved_before_opened":
        t.opened_field = resolved + dt.timedelta(days=2)  # the opened time was edited after the fact
        return f"{t.ticket_id} is resolved before the opened time it carries"
    if kind == "ticket_invalid_transition":
        t.events = [*t.events, (closed + dt.timedelta(days=1), "active", group)]  # an update after it was closed
        return f"{t.ticket_id} was worked again after it was closed"
    if kind == "ticket_excessive_reopens":
        events, moment = [(opened, "new", desk), (worked, "active", group), (resolved, "resolved", group)], resolved
        for _ in range(4):
            moment = clock.add(moment, 1.0, "business")
            events.append((moment, "active", group))
            moment = clock.add(moment, 1.0, "business")
            events.append((moment, "resolved", group))
        events.append((moment + dt.timedelta(days=3), "closed", group))
        t.events = events
        _, target, kind_ = targets[t.priority]
        t.made_sla = clock.hours(opened, moment, kind_) <= target
        return f"{t.ticket_id} was reopened four times"
    # ticket_sla_breach_recorded_as_met: resolved well past its target, recorded as within it
    _, target, clock_kind = targets[t.priority]
    late = clock.add(opened, target * 2.0, clock_kind)
    t.events = [
        (opened, "new", desk),
        (worked, "active", group),
        (late, "resolved", group),
        (late + dt.timedelta(days=3), "closed", group),
    ]
    t.made_sla = True
    return f"{t.ticket_id} took twice its resolution target but is recorded as within its SLA"


STATE_LABELS = {"new": "New", "active": "Active", "awaiting_user": "Awaiting User Info", "resolved": "Resolved",
                "closed": "Closed"}  # fmt: skip


def _stamp(moment: dt.datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment else "?"


def _rows(t: Ticket, targets, clock: Clock) -> list[dict]:
    rows, reopens, reassignments, group_before, resolved_at, closed_at = [], 0, 0, None, None, None
    previous = None
    for seq, (moment, state, group) in enumerate(sorted(t.events, key=lambda e: e[0])):
        if previous == "resolved" and state == "active":
            reopens += 1
        if group_before is not None and group != group_before:
            reassignments += 1
        resolved_at = moment if state == "resolved" else resolved_at
        closed_at = moment if state == "closed" else closed_at
        rows.append(
            {
                "number": t.ticket_id,
                "incident_state": STATE_LABELS[state],
                "active": "false" if state == "closed" else "true",
                "reassignment_count": reassignments,
                "reopen_count": reopens,
                "made_sla": "?" if t.made_sla is None else str(t.made_sla).lower(),
                "opened_at": _stamp(t.opened_field or t.opened),
                "sys_updated_at": _stamp(moment),
                "contact_type": t.contact,
                "location": t.department,
                "category": t.category,
                "priority": PRIORITY_LABELS[t.priority],
                "assignment_group": group,
                "resolved_at": _stamp(resolved_at),
                "closed_at": _stamp(closed_at),
                "sys_updated_at_sort": moment,
                "_seq": seq,
                "period": moment.strftime("%Y-%m"),
            }
        )
        previous, group_before = state, group
    return rows
