-- int_findings__service_desk: Tickets whose event log contradicts itself, or the SLA it records.
-- grain: one row per finding (control_code, ticket)
-- schema: core
--
-- Rules (docs/service_desk.md; ITIL 4 incident management: a ticket is resolved before it is closed, and its
-- SLA result must follow from its clock):
--   ticket_closed_without_resolution  closed, and never resolved in any event
--   ticket_resolved_before_opened     the last resolution is earlier than the opening time
--   ticket_invalid_transition         at least one move the incident lifecycle does not allow (e.g. new -> closed
--                                     after resolved, an event after closed)
--   ticket_excessive_reopens          reopened at least service_desk_max_reopens times
--   ticket_sla_breach_recorded_as_met the source says the SLA was made but the resolution clock exceeds the target
-- The finding's period is the month the ticket was opened, its department the requester's.
with tickets as (
    select * from core.fct_ticket
),

parameters as (
    select * from core.control_parameters
),

closed_without_resolution as (
    select
        'ticket_closed_without_resolution' as control_code,
        t.*,
        'Ticket ' || t.ticket_id || ' was closed on ' || strftime(t.closed_at, '%Y-%m-%d %H:%M')
            || ' without ever being resolved; confirm the fix with the requester or reopen it.' as description
    from tickets t
    where t.current_state = 'closed' and not t.was_resolved
),

resolved_before_opened as (
    select
        'ticket_resolved_before_opened' as control_code,
        t.*,
        'Ticket ' || t.ticket_id || ' is resolved at ' || strftime(t.resolved_at, '%Y-%m-%d %H:%M')
            || ', before it was opened at ' || strftime(t.opened_at, '%Y-%m-%d %H:%M')
            || '; its times were edited or imported wrongly, so no duration is reported for it.' as description
    from tickets t
    where t.resolved_at < t.opened_at
),

invalid_transitions as (
    select
        'ticket_invalid_transition' as control_code,
        t.*,
        'Ticket ' || t.ticket_id || ' has ' || t.n_invalid_transitions
            || ' state change(s) the incident lifecycle does not allow; review its history with the group '
            || coalesce(t.assignment_group, '(none)') || '.' as description
    from tickets t
    where t.n_invalid_transitions > 0
        and not (t.current_state = 'closed' and not t.was_resolved and t.n_invalid_transitions = 1)
),

excessive_reopens as (
    select
        'ticket_excessive_reopens' as control_code,
        t.*,
        'Ticket ' || t.ticket_id || ' was reopened ' || t.reopen_count || ' times (the limit is '
            || p.service_desk_max_reopens || '); find the underlying problem instead of closing it again.'
            as description
    from tickets t
    cross join parameters p
    where t.reopen_count >= p.service_desk_max_reopens
),

breach_recorded_as_met as (
    select
        'ticket_sla_breach_recorded_as_met' as control_code,
        t.*,
        'Ticket ' || t.ticket_id || ' (priority ' || coalesce(t.priority, '?') || ') is recorded as within its SLA '
            || 'but took ' || round(t.resolution_hours, 1) || ' h against a target of ' || t.resolution_target_hours
            || ' h on the ' || t.sla_clock || ' clock; correct the SLA record.' as description
    from tickets t
    where t.made_sla_recorded and not t.is_resolution_met
),

findings as (
    select * from closed_without_resolution
    union all by name
    select * from resolved_before_opened
    union all by name
    select * from invalid_transitions
    union all by name
    select * from excessive_reopens
    union all by name
    select * from breach_recorded_as_met
),

final as (
    select
        control_code || ':' || ticket_id as finding_id,
        control_code,
        null::varchar as severity,
        'ticket' as entity,
        ticket_id as entity_key,
        date_trunc('month', opened_at)::date as period,
        requester_department_id as department_id,
        null::bigint as amount_at_risk_idr,
        description,
        json_object(
            'opened_at', opened_at, 'resolved_at', resolved_at, 'closed_at', closed_at, 'state', current_state,
            'priority', priority, 'group', assignment_group, 'reopen_count', reopen_count,
            'invalid_transitions', n_invalid_transitions, 'resolution_hours', round(resolution_hours, 2),
            'resolution_target_hours', resolution_target_hours, 'made_sla_recorded', made_sla_recorded
        )::varchar as evidence
    from findings
)

select * from final order by control_code, entity_key
