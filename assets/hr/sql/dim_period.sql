-- dim_period: the months of the reporting window with their calendar and working days.
-- grain: one row per month
-- schema: core
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
