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
        s.period,
        s.department_id,
        count(h.employee_id) as n_hires,
        count(*) filter (where h.is_rehire) as n_rehires,
        count(*) filter (where h.termination_date < h.hire_date + interval 1 year) as n_left_in_first_year
    from spine s
    left join hires h on h.period = s.period and is_in_group(s.department_id, h.department_id)
    group by s.period, s.department_id
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
        s.period,
        s.department_id,
        count(*) filter (where l.termination_type = 'voluntary') as n_voluntary,
        count(*) filter (where l.termination_type = 'involuntary') as n_involuntary,
        count(*) filter (where l.termination_type not in ('voluntary', 'involuntary')) as n_other
    from spine s
    left join leavers l on l.period = s.period and is_in_group(s.department_id, l.department_id)
    group by s.period, s.department_id
),

at_start as (
    select p.period, p.period_end, e.department_id, e.termination_date
    from periods p
    join employed e on p.period between e.valid_from and e.valid_to
),

retention_counts as (
    select
        s.period,
        s.department_id,
        count(a.period) as n_start,
        count(*) filter (where a.termination_date is null or a.termination_date > a.period_end) as n_retained
    from spine s
    left join at_start a on a.period = s.period and is_in_group(s.department_id, a.department_id)
    group by s.period, s.department_id
),

by_group as (
    select *, period + interval 12 month <= last_period as is_mature_cohort
    from hire_counts
    join leaver_counts using (period, department_id)
    join retention_counts using (period, department_id)
    cross join last_period
),

final as (
    select period, department_id, kpi.kpi_code, kpi.value, kpi.numerator, kpi.denominator
    from (
        select period, department_id, unnest([
            kpi_total_row('new_hires', n_hires),
            kpi_total_row('rehires', n_rehires),
            kpi_total_row('separations_voluntary', n_voluntary),
            kpi_total_row('separations_involuntary', n_involuntary),
            kpi_total_row('separations_other', n_other),
            kpi_pct_row('retention_rate_pct', n_retained, n_start),
            kpi_row(
                'first_year_attrition_pct',
                case when is_mature_cohort then kpi_pct(n_left_in_first_year, n_hires) end,
                case when is_mature_cohort then n_left_in_first_year end,
                n_hires
            )
        ]) as kpi
        from by_group
    )
)

select * from final order by period, department_id, kpi_code
