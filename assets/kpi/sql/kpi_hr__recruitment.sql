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

by_group as (
    select
        s.period,
        s.department_id,
        count(r.days_to_fill) as n_filled,
        coalesce(sum(r.days_to_fill), 0) as days_to_fill,
        count(r.days_to_hire) as n_with_application,
        coalesce(sum(r.days_to_hire), 0) as days_to_hire
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from requisitions) r
        on r.filled_period = s.period and r.group_id = s.department_id
    group by s.period, s.department_id
),

final as (
    select period, department_id, unnest([
        kpi_ratio_row('time_to_fill_days', days_to_fill, n_filled),
        kpi_ratio_row('time_to_hire_days', days_to_hire, n_with_application)
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
