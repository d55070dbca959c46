-- fct_ticket_event: Every service-desk event in ticket order, with the state it moved from and whether that move is allowed.
-- grain: one row per ticket update (exact duplicate events kept once)
-- schema: core
-- needs: service_desk_events.ticket_id, service_desk_events.event_time, service_desk_events.state
--
-- The incident lifecycle (ITIL 4 incident management; docs/service_desk.md): new -> active, awaiting_user,
-- resolved or cancelled; active <-> awaiting_user; active or awaiting_user -> resolved or cancelled; resolved ->
-- closed, or back to active (a reopen). The same state again is an update, not a move. Any other move, and any
-- event after closed or cancelled, breaks the state machine. Events with the same ticket, time, state and group
-- are one event exported twice. Events are ordered by time, then by their line in the export.
-- column: ticket_event_id: The event's id: ticket, time and line.
-- column: event_seq: Order of the event within its ticket (1 first).
-- column: previous_state: The ticket's state before the event.
-- column: n_copies: Times the same event appears in the export.
-- column: is_invalid_transition: True when the move from the previous state is not allowed.
-- column: is_reopen: True when the event moves a resolved ticket back to work.
-- column: is_reassignment: True when the event moves the ticket to another group.
with events as (
    select * from canonical.service_desk_events
),

allowed_moves as (
    select * from (values
        ('new', 'active'), ('new', 'awaiting_user'), ('new', 'resolved'), ('new', 'cancelled'),
        ('active', 'awaiting_user'), ('active', 'resolved'), ('active', 'cancelled'),
        ('awaiting_user', 'active'), ('awaiting_user', 'resolved'), ('awaiting_user', 'cancelled'),
        ('resolved', 'closed'), ('resolved', 'active')
    ) t (from_state, to_state)
),

deduplicated as (
    select
        ticket_id,
        event_time,
        state,
        priority,
        assignment_group,
        category,
        requester_department_id,
        contact_type,
        opened_at,
        resolved_at,
        closed_at,
        reassignment_count,
        reopen_count,
        made_sla,
        count(*) as n_copies,
        min(_source_path) as source_path,
        min(_line_no) as line_no
    from events
    where ticket_id is not null and event_time is not null
    group by all
),

ordered as (
    select
        *,
        row_number() over ticket_order as event_seq,
        lag(state) over ticket_order as previous_state,
        lag(assignment_group) over ticket_order as previous_group
    from deduplicated
    window ticket_order as (partition by ticket_id order by event_time, line_no, state)
),

final as (
    select
        o.ticket_id || '#' || o.event_seq as ticket_event_id,
        o.ticket_id,
        o.event_seq,
        o.event_time,
        o.previous_state,
        o.state,
        o.priority,
        o.assignment_group,
        o.category,
        o.requester_department_id,
        o.contact_type,
        o.opened_at,
        o.resolved_at,
        o.closed_at,
        o.reassignment_count,
        o.reopen_count,
        o.made_sla,
        o.n_copies,
        o.previous_state is not null and o.previous_state <> o.state and m.from_state is null
            as is_invalid_transition,
        coalesce(o.previous_state = 'resolved' and o.state = 'active', false) as is_reopen,
        coalesce(o.previous_group <> o.assignment_group, false) as is_reassignment,
        o.source_path,
        o.line_no
    from ordered o
    left join allowed_moves m on m.from_state = o.previous_state and m.to_state = o.state
)

select * from final order by ticket_id, event_seq
