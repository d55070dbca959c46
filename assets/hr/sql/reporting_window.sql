-- reporting_window: the months the marts cover, ending with the last month that has data.
-- grain: one row
-- schema: core
with last_event as (
    select max(event_date) as last_date from staging.stg_hris__job_history
),

last_attendance as (
    select max(attendance_date) as last_date from staging.stg_hris__attendance
),

data_end as (
    -- attendance is the daily heartbeat of the data; without it, the last employment event
    select coalesce(a.last_date, e.last_date, current_date) as last_date
    from last_event e cross join last_attendance a
),

final as (
    select
        (date_trunc('month', last_date) - to_months(getvariable('reporting_months') - 1))::date as start_date,
        last_day(last_date) as end_date
    from data_end
)

select * from final
