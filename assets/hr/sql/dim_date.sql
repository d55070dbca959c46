-- dim_date: calendar of the reporting window with weekends, public holidays and collective leave.
-- grain: one row per calendar day
-- schema: core
with window_ as (
    select * from core.reporting_window
),

days as (
    select unnest(generate_series(start_date, end_date, interval 1 day))::date as date_day
    from window_
),

holidays as (
    select
        holiday_date,
        string_agg(holiday_name, ' / ' order by holiday_name) as holiday_name,
        bool_or(kind = 'public_holiday') as is_public_holiday,
        bool_or(kind = 'collective_leave') as is_collective_leave
    from reference.holidays
    group by holiday_date
),

final as (
    select
        d.date_day,
        date_trunc('month', d.date_day)::date as period,
        year(d.date_day) as year,
        month(d.date_day) as month,
        isodow(d.date_day) as iso_day_of_week,
        -- a 5-day week rests on Saturday and Sunday, a 6-day week on Sunday only
        isodow(d.date_day) > getvariable('work_week_days') as is_rest_day,
        h.holiday_name,
        coalesce(h.is_public_holiday, false) as is_public_holiday,
        coalesce(h.is_collective_leave, false) as is_collective_leave,
        isodow(d.date_day) <= getvariable('work_week_days')
            and not coalesce(h.is_public_holiday, false) as is_working_day
    from days d
    left join holidays h on h.holiday_date = d.date_day
)

select * from final order by date_day
