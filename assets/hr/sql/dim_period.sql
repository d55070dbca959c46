-- dim_period: The months of the reporting window with their calendar and working days.
-- grain: one row per month
-- schema: core
-- column: n_calendar_days: Days in the month.
-- column: n_working_days: Working days in the month (rest days and public holidays off).
with days as (
    select * from core.dim_date
),

final as (
    select
        period,
        last_day(period) as period_end,
        count(*) as n_calendar_days,
        count(*) filter (where is_working_day) as n_working_days
    from days
    group by period
)

select * from final order by period
