-- reporting_window: The months the marts cover, ending with the last month that has data.
-- grain: one row
-- schema: core
--
-- Attendance is the daily heartbeat of the data: when there is any, its last day ends the window. Without it,
-- the latest of: the last employment event, the last hire or termination of the employee master, the end of
-- the last pay-summary period, the last ledger posting, the last spend transaction and the last service-desk
-- event (a company that exports only some of these still gets a window ending with its own data); with none of
-- them, today.
-- column: start_date: First day the marts cover.
-- column: end_date: Last day the marts cover (end of the last month with data).
with last_event as (
    select max(event_date) as last_date from canonical.job_history
),

last_attendance as (
    select max(attendance_date) as last_date from canonical.attendance
),

last_master as (
    select greatest(max(hire_date), max(termination_date)) as last_date from canonical.employees
),

last_pay_summary as (
    select max(period_end) as last_date from canonical.pay_summaries
),

last_posting as (
    select max(posting_date) as last_date from canonical.gl_entries
),

last_spend as (
    select max(transaction_date) as last_date from canonical.spend_transactions
),

last_ticket as (
    select max(event_time)::date as last_date from canonical.service_desk_events
),

data_end as (
    select
        coalesce(
            a.last_date,
            greatest(e.last_date, m.last_date, p.last_date, g.last_date, s.last_date, k.last_date),
            current_date
        ) as last_date
    from last_attendance a
    cross join last_event e
    cross join last_master m
    cross join last_pay_summary p
    cross join last_posting g
    cross join last_spend s
    cross join last_ticket k
),

final as (
    select
        (date_trunc('month', last_date) - to_months(getvariable('reporting_months') - 1))::date as start_date,
        last_day(last_date) as end_date
    from data_end
)

select * from final
