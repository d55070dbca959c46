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

events as (
    -- one row a person and event, in the month and department of the event: a hire (the version that holds the
    -- hire day, one per spell), a separation (the version that holds the last day employed), and being employed on
    -- a month's first day (retained: still employed after the close of the month's last day)
    select
        date_trunc('month', hire_date)::date as period,
        department_id,
        'hire' as event,
        is_rehire,
        termination_date < hire_date + interval 1 year as is_left_in_first_year
    from employed
    where hire_date between valid_from and valid_to
    union all by name
    select
        date_trunc('month', termination_date)::date as period,
        department_id,
        'separation' as event,
        coalesce(termination_type, 'other') as termination_type
    from employed
    where termination_date between valid_from and valid_to
    union all by name
    select
        p.period,
        e.department_id,
        'start' as event,
        e.termination_date is null or e.termination_date > p.period_end as is_retained
    from periods p
    join employed e on p.period between e.valid_from and e.valid_to
),

by_group as (
    select
        s.period,
        s.department_id,
        count(*) filter (where e.event = 'hire') as n_hires,
        count(*) filter (where e.is_rehire) as n_rehires,
        count(*) filter (where e.is_left_in_first_year) as n_left_in_first_year,
        count(*) filter (where e.termination_type = 'voluntary') as n_voluntary,
        count(*) filter (where e.termination_type = 'involuntary') as n_involuntary,
        count(*) filter (where e.termination_type not in ('voluntary', 'involuntary')) as n_other,
        count(*) filter (where e.event = 'start') as n_start,
        count(*) filter (where e.is_retained) as n_retained,
        s.period + interval 12 month <= (select max(period) from periods) as is_mature_cohort
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from events) e
        on e.period = s.period and e.group_id = s.department_id
    group by s.period, s.department_id
),

final as (
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
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
