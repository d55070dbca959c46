-- fct_ticket: One row per service-desk ticket: its latest state, when it was opened, first worked and resolved, and its SLA clocks.
-- grain: one row per ticket
-- schema: core
-- needs: service_desk_events.ticket_id, service_desk_events.event_time, service_desk_events.state
--
-- Definitions (docs/service_desk.md):
--   opened_at          the source's opened time, else the first event's time
--   first_response_at  the first event in which someone works the ticket (active, awaiting user, resolved)
--   resolved_at        the last time the ticket became resolved (a reopened ticket's clock runs to its last
--                      resolution); null for a ticket never resolved (closed without it is a control finding)
--   reopen_count, reassignment_count: the larger of the source's counter and the moves seen in the events
-- SLA clocks: reference.sla_targets by priority, in force on the opening day; a 'calendar' clock counts every
-- hour, a 'business' clock only the staffed hours (reference.business_hours) of working days - rest days by
-- the work_week_days setting and public holidays off, as core.dim_date. Working hours to resolve are always on
-- the business clock. A duration whose end is before its start is null (a control finding), never negative.
-- column: opened_period: Month the ticket was opened, as its first day.
-- column: first_response_at: First event in which someone worked the ticket (active, awaiting user or resolved).
-- column: resolved_period: Month of the last resolution, as its first day.
-- column: current_state: The ticket's state in its latest event.
-- column: has_opening_event: True when the export holds the ticket's first (new) event.
-- column: was_resolved: True when the ticket was ever resolved.
-- column: n_invalid_transitions: Moves between states the incident lifecycle does not allow.
-- column: n_events: Events of the ticket (duplicates counted once).
-- column: n_duplicate_events: Events exported more than once.
-- column: sla_clock: calendar or business: how the SLA hours are counted.
-- column: response_hours: Hours from opening to first response, on the SLA clock.
-- column: resolution_hours: Hours from opening to the last resolution, on the SLA clock.
-- column: resolution_working_hours: Hours from opening to the last resolution, on the business clock.
-- column: is_response_met: True when the first response came within the response target.
-- column: is_resolution_met: True when the resolution came within the resolution target.
-- column: made_sla_recorded: The source's own SLA flag.
-- column: is_first_contact_resolution: True when resolved without being worked in between, reassigned or reopened.
with events as (
    select * from core.fct_ticket_event
),

sla_targets as (
    select * from reference.sla_targets
),

business_hours as (
    select * from reference.business_hours
),

holidays as (
    select distinct holiday_date from reference.holidays where kind = 'public_holiday'
),

tickets as (
    select
        ticket_id,
        coalesce(min(opened_at), min(event_time)) as opened_at,
        min(event_time) filter (where state in ('active', 'awaiting_user', 'resolved')) as first_response_at,
        max(event_time) filter (where state = 'resolved') as resolved_at,
        max(event_time) filter (where state = 'closed') as closed_at,
        arg_max(state, event_seq) as current_state,
        arg_max(priority, event_seq) filter (where priority is not null) as priority,
        arg_max(assignment_group, event_seq) filter (where assignment_group is not null) as assignment_group,
        arg_max(category, event_seq) filter (where category is not null) as category,
        arg_max(requester_department_id, event_seq) filter (where requester_department_id is not null)
            as requester_department_id,
        arg_max(contact_type, event_seq) filter (where contact_type is not null) as contact_type,
        arg_max(made_sla, event_seq) filter (where made_sla is not null) as made_sla_recorded,
        greatest(coalesce(max(reopen_count), 0), count(*) filter (where is_reopen)) as reopen_count,
        greatest(coalesce(max(reassignment_count), 0), count(*) filter (where is_reassignment))
            as reassignment_count,
        bool_or(state = 'new') as has_opening_event,
        bool_or(state = 'resolved') as was_resolved,
        count(*) filter (where is_invalid_transition) as n_invalid_transitions,
        count(*) as n_events,
        sum(n_copies - 1) as n_duplicate_events
    from events
    group by ticket_id
),

with_targets as (
    select
        t.*,
        s.response_target_hours,
        s.resolution_target_hours,
        coalesce(s.clock, 'business') as sla_clock
    from tickets t
    left join sla_targets s
        on s.priority::varchar = t.priority
        and is_in_force(t.opened_at::date, s.effective_from, s.effective_to)
),

spans as (
    -- the intervals each clock measures; an interval that ends before it starts is not measured
    select ticket_id, 'response' as measure, opened_at as started, first_response_at as ended from with_targets
    union all
    select ticket_id, 'resolution', opened_at, resolved_at from with_targets
),

measured as (
    select * from spans where ended is not null and started is not null and ended >= started
),

calendar as (
    select
        d::date as date_day,
        isodow(d::date) <= getvariable('work_week_days') and h.holiday_date is null as is_working_day
    from (
        select unnest(generate_series(min(started)::date, max(ended)::date, interval 1 day)) as d from measured
    )
    left join holidays h on h.holiday_date = d::date
),

business_overlap as (
    select
        m.ticket_id,
        m.measure,
        sum(greatest(epoch(
            least(m.ended, c.date_day + b.day_end::time) - greatest(m.started, c.date_day + b.day_start::time)
        ), 0)) / 3600.0 as business_hours
    from measured m
    join calendar c on c.date_day between m.started::date and m.ended::date and c.is_working_day
    join business_hours b on is_in_force(c.date_day, b.effective_from, b.effective_to)
    group by m.ticket_id, m.measure
),

clocks as (
    select
        m.ticket_id,
        m.measure,
        epoch(m.ended - m.started) / 3600.0 as calendar_hours,
        coalesce(o.business_hours, 0) as business_hours
    from measured m
    left join business_overlap o using (ticket_id, measure)
),

final as (
    select
        t.ticket_id,
        t.opened_at,
        date_trunc('month', t.opened_at)::date as opened_period,
        t.first_response_at,
        t.resolved_at,
        date_trunc('month', t.resolved_at)::date as resolved_period,
        t.closed_at,
        t.current_state,
        t.priority,
        t.assignment_group,
        t.category,
        t.requester_department_id,
        t.contact_type,
        t.reopen_count,
        t.reassignment_count,
        t.has_opening_event,
        t.was_resolved,
        t.n_invalid_transitions,
        t.n_events,
        t.n_duplicate_events,
        t.sla_clock,
        t.response_target_hours,
        t.resolution_target_hours,
        -- hours to the microsecond as decimals, so sums and means do not depend on the order of a float sum
        (case t.sla_clock when 'calendar' then r.calendar_hours else r.business_hours end)::decimal(18, 6)
            as response_hours,
        (case t.sla_clock when 'calendar' then s.calendar_hours else s.business_hours end)::decimal(18, 6)
            as resolution_hours,
        s.business_hours::decimal(18, 6) as resolution_working_hours,
        case when t.response_target_hours is not null and r.ticket_id is not null
             then (case t.sla_clock when 'calendar' then r.calendar_hours else r.business_hours end)
                  <= t.response_target_hours end as is_response_met,
        case when t.resolution_target_hours is not null and s.ticket_id is not null
             then (case t.sla_clock when 'calendar' then s.calendar_hours else s.business_hours end)
                  <= t.resolution_target_hours end as is_resolution_met,
        t.made_sla_recorded,
        t.resolved_at is not null and t.reopen_count = 0 and t.reassignment_count = 0 as is_first_contact_resolution
    from with_targets t
    left join clocks r on r.ticket_id = t.ticket_id and r.measure = 'response'
    left join clocks s on s.ticket_id = t.ticket_id and s.measure = 'resolution'
)

select * from final order by ticket_id
