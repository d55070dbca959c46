-- kpi_hr__recruitment: Time to fill and time to hire over the requisitions filled in the month.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.2, VPSC [S7], SHRM convention [S8]; the two are never mixed):
--   time_to_fill_days = mean(offer_accepted_date - opened_date), calendar days
--   time_to_hire_days = mean(offer_accepted_date - first_candidate_applied_date), calendar days, over the
--                       filled requisitions that have a first application on or before the offer
-- A requisition counts in the month it is filled (core.fct_requisition.filled_period), in its own department.
-- A month with no filled requisition has a null value, numerator 0 and denominator 0.
with workforce as (
    select * from marts.kpi_hr__workforce
),

requisitions as (
    select * from core.fct_requisition where is_filled
),

spine as (
    select distinct period, department_id from workforce
),

durations as (
    select
        filled_period as period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(days_to_fill) as n_filled,
        sum(days_to_fill) as days_to_fill,
        count(days_to_hire) as n_with_application,
        sum(days_to_hire) as days_to_hire
    from requisitions
    group by grouping sets ((filled_period, department_id), (filled_period))
),

by_group as (
    select
        s.period,
        s.department_id,
        coalesce(d.n_filled, 0) as n_filled,
        coalesce(d.days_to_fill, 0) as days_to_fill,
        coalesce(d.n_with_application, 0) as n_with_application,
        coalesce(d.days_to_hire, 0) as days_to_hire
    from spine s
    left join durations d using (period, department_id)
),

final as (
    select period, department_id, 'time_to_fill_days' as kpi_code,
           case when n_filled > 0 then days_to_fill / n_filled end::double as value,
           days_to_fill::double as numerator, n_filled::double as denominator
    from by_group
    union all
    select period, department_id, 'time_to_hire_days',
           case when n_with_application > 0 then days_to_hire / n_with_application end,
           days_to_hire, n_with_application
    from by_group
)

select * from final order by period, department_id, kpi_code
