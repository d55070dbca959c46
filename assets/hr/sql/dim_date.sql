-- dim_date: Calendar of the reporting window with weekends, public holidays and collective leave.
-- grain: one row per calendar day
-- schema: core
-- column: date_day: The day.
-- column: year: Calendar year.
-- column: month: The month, as its first day.
-- column: iso_day_of_week: ISO day of the week, 1 (Monday) to 7 (Sunday).
-- column: is_rest_day: True on a weekly rest day (by the work_week_days setting).
-- column: holiday_name: Name of the public holiday or collective leave on the day, if any.
-- column: is_public_holiday: True on a public holiday (reference.holidays).
-- column: is_collective_leave: True on a collective-leave day (cuti bersama).
-- column: is_working_day: True on a working day: not a rest day and not a public holiday.
-- column: n_days_to_date: Days of the calendar from its first day to this one (1 on the first day).
-- column: n_working_days_to_date: Working days of the calendar from its first day to this one.
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

calendar as (
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
),

final as (
    -- running totals: the days or working days between two days are a difference of two rows (fct_leave,
    -- kpi_hr__attendance), with no join to every day between
    select
        *,
        row_number() over (order by date_day) as n_days_to_date,
        count(*) filter (where is_working_day) over (order by date_day) as n_working_days_to_date
    from calendar
)

select * from final order by date_day
