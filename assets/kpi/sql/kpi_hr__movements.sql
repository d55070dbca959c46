-- kpi_hr__movements: New hires and rehires, separations by type, retention and first-year attrition.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.1-1.2):
--   new_hires          = spells whose hire_date falls in the month (first hires and rehires), by the department
--                        on the hire day; rehires = the subset that is a second or later spell (the rehire flag)
--   separations_<type> = separations of the month (as kpi_hr__workforce) with termination_type voluntary,
--                        involuntary, or other (other also takes a missing type); the three add up to separations
--   retention_rate_pct = employees employed on the first day of the month who are still employed after the close
--                        of its last day, in the same spell / those employed on the first day * 100; by the
--                        department on the first day (a transfer out is retained; hires of the month excluded)
--   first_year_attrition_pct = hires of the month (cohort, by hire department) whose last day employed is before
--                        their first anniversary / hires of the month * 100; only for mature cohorts (cohort month
--                        + 12 months <= last month of the window), otherwise value and numerator are null and the
--                        denominator still shows the cohort size
with workforce as (
    select * from marts.kpi_hr__workforce
),

periods as (
    select * from core.dim_period
),

employed as (
    select * from core.dim_employee where is_employed
),

spine as (
    select distinct period, department_id from workforce
),

last_period as (
    select max(period) as last_period from periods
),

hires as (
    -- the version that holds the hire day places the hire in a department (one per spell)
    select
        date_trunc('month', e.hire_date)::date as period,
        e.department_id,
        e.employee_id,
        e.hire_date,
        e.is_rehire,
        e.termination_date
    from employed e
    where e.hire_date between e.valid_from and e.valid_to
),

hire_counts as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) as n_hires,
        count(*) filter (where is_rehire) as n_rehires,
        count(*) filter (where termination_date < hire_date + interval 1 year) as n_left_in_first_year
    from hires
    group by grouping sets ((period, department_id), (period))
),

leavers as (
    select
        date_trunc('month', e.termination_date)::date as period,
        e.department_id,
        coalesce(e.termination_type, 'other') as termination_type
    from employed e
    where e.termination_date between e.valid_from and e.valid_to
),

leaver_counts as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) filter (where termination_type = 'voluntary') as n_voluntary,
        count(*) filter (where termination_type = 'involuntary') as n_involuntary,
        count(*) filter (where termination_type not in ('voluntary', 'involuntary')) as n_other
    from leavers
    group by grouping sets ((period, department_id), (period))
),

at_start as (
    select p.period, p.period_end, e.department_id, e.termination_date
    from periods p
    join employed e on p.period between e.valid_from and e.valid_to
),

retention_counts as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) as n_start,
        count(*) filter (where termination_date is null or termination_date > period_end) as n_retained
    from at_start
    group by grouping sets ((period, department_id), (period))
),

by_group as (
    select
        s.period,
        s.department_id,
        s.period + interval 12 month <= l.last_period as is_mature_cohort,
        coalesce(h.n_hires, 0) as n_hires,
        coalesce(h.n_rehires, 0) as n_rehires,
        coalesce(h.n_left_in_first_year, 0) as n_left_in_first_year,
        coalesce(v.n_voluntary, 0) as n_voluntary,
        coalesce(v.n_involuntary, 0) as n_involuntary,
        coalesce(v.n_other, 0) as n_other,
        coalesce(r.n_start, 0) as n_start,
        coalesce(r.n_retained, 0) as n_retained
    from spine s
    cross join last_period l
    left join hire_counts h using (period, department_id)
    left join leaver_counts v using (period, department_id)
    left join retention_counts r using (period, department_id)
),

final as (
    select period, department_id, 'new_hires' as kpi_code,
           n_hires::double as value, n_hires::double as numerator, null::double as denominator
    from by_group
    union all
    select period, department_id, 'rehires', n_rehires, n_rehires, null
    from by_group
    union all
    select period, department_id, 'separations_voluntary', n_voluntary, n_voluntary, null
    from by_group
    union all
    select period, department_id, 'separations_involuntary', n_involuntary, n_involuntary, null
    from by_group
    union all
    select period, department_id, 'separations_other', n_other, n_other, null
    from by_group
    union all
    select period, department_id, 'retention_rate_pct',
           case when n_start > 0 then n_retained / n_start * 100 end, n_retained, n_start
    from by_group
    union all
    select period, department_id, 'first_year_attrition_pct',
           case when is_mature_cohort and n_hires > 0 then n_left_in_first_year / n_hires * 100 end,
           case when is_mature_cohort then n_left_in_first_year end,
           n_hires
    from by_group
)

select * from final order by period, department_id, kpi_code
