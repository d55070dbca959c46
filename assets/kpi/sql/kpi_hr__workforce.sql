-- kpi_hr__workforce: Headcount (period end and average daily), separations and monthly turnover.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Both headcounts count the same employee-days, by the one employed-on-day test of core.dim_employee
-- (a version with is_employed = true covers the day; a job event after a termination without a rehire never makes
-- anyone employed), in the department of that day's version.
-- Formulas (docs/kpi_definitions.md 1.1-1.2, SHRM):
--   headcount_period_end  = employees employed on the last day of the month and still employed after its close
--                           (the day is not their last day employed, termination_date)
--   headcount_avg_daily   = sum of employees employed each calendar day / calendar days in the month
--   separations           = terminations whose last day employed falls in the month, by the department
--                           the leaver was in on that day
--   turnover_rate_monthly_pct = separations / headcount_avg_daily * 100
with periods as (
    select * from core.dim_period
),

days as (
    select date_day, period from core.dim_date
),

employed as (
    select * from core.dim_employee where is_employed
),

departments as (
    select distinct department_id from employed where department_id is not null
),

spine as (
    select p.period, p.period_end, p.n_calendar_days, d.department_id
    from periods p cross join departments d
),

period_days as (
    select period, min(date_day) as first_day, max(date_day) as last_day
    from days
    group by period
),

daily_active as (
    -- the employee-days of each month, counted without listing them: each version's days among the month's days
    -- (core.dim_date holds every day of the reporting window)
    select
        p.period,
        e.department_id,
        sum(date_diff('day', greatest(e.valid_from, p.first_day), least(e.valid_to, p.last_day)) + 1)::bigint
            as n_employee_days
    from period_days p
    join employed e on e.valid_from <= p.last_day and e.valid_to >= p.first_day
    group by all
),

period_end as (
    -- employed on the month's last day, and not for the last time
    select p.period, e.department_id, count(*) as n_employees
    from periods p
    join days d on d.date_day = p.period_end
    join employed e on d.date_day between e.valid_from and e.valid_to
    where e.termination_date is distinct from d.date_day
    group by all
),

separations as (
    select date_trunc('month', e.termination_date)::date as period, e.department_id, count(*) as n_separations
    from employed e
    where e.termination_date between e.valid_from and e.valid_to
    group by all
),

with_company as (
    -- the company (ALL) adds up the departments
    select
        s.period,
        case when grouping(s.department_id) = 1 then 'ALL' else s.department_id end as department_id,
        any_value(s.n_calendar_days) as n_calendar_days,
        coalesce(sum(pe.n_employees), 0) as n_period_end,
        coalesce(sum(da.n_employee_days), 0) as n_employee_days,
        coalesce(sum(se.n_separations), 0) as n_separations
    from spine s
    left join period_end pe using (period, department_id)
    left join daily_active da using (period, department_id)
    left join separations se using (period, department_id)
    group by grouping sets ((s.period, s.department_id), (s.period))
),

final as (
    select period, department_id, unnest([
        kpi_total_row('headcount_period_end', n_period_end),
        kpi_row('headcount_avg_daily', n_employee_days / n_calendar_days, n_employee_days, n_calendar_days),
        kpi_total_row('separations', n_separations),
        kpi_pct_row('turnover_rate_monthly_pct', n_separations, n_employee_days / n_calendar_days)
    ], recursive := true)
    from with_company
)

select * from final order by period, department_id, kpi_code
