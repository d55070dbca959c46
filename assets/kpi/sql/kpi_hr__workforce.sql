-- kpi_hr__workforce: headcount (period end and average daily), separations and monthly turnover.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (domain_reference.md 1.1-1.2, SHRM):
--   headcount_period_end  = employees employed after the close of the last day of the month
--                           (termination_date, the last day employed, must be after it)
--   headcount_avg_daily   = sum of employees active each calendar day / calendar days in the month
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

daily_active as (
    select d.period, e.department_id, count(*) as n_employee_days
    from days d
    join employed e on d.date_day between e.valid_from and e.valid_to
    group by all
),

period_end as (
    select p.period, e.department_id, count(*) as n_employees
    from periods p
    join employed e on p.period_end between e.valid_from and e.valid_to
    where e.termination_date is null or e.termination_date > p.period_end
    group by all
),

separations as (
    select date_trunc('month', e.termination_date)::date as period, e.department_id, count(*) as n_separations
    from employed e
    where e.termination_date between e.valid_from and e.valid_to
    group by all
),

by_department as (
    select
        s.period,
        s.department_id,
        s.n_calendar_days,
        coalesce(pe.n_employees, 0) as n_period_end,
        coalesce(da.n_employee_days, 0) as n_employee_days,
        coalesce(se.n_separations, 0) as n_separations
    from spine s
    left join period_end pe using (period, department_id)
    left join daily_active da using (period, department_id)
    left join separations se using (period, department_id)
),

with_company as (
    select period, department_id, n_calendar_days, n_period_end, n_employee_days, n_separations
    from by_department
    union all
    select period, 'ALL', any_value(n_calendar_days), sum(n_period_end), sum(n_employee_days), sum(n_separations)
    from by_department
    group by period
),

final as (
    select period, department_id, 'headcount_period_end' as kpi_code,
           n_period_end::double as value, n_period_end::double as numerator, null::double as denominator
    from with_company
    union all
    select period, department_id, 'headcount_avg_daily',
           n_employee_days / n_calendar_days, n_employee_days, n_calendar_days
    from with_company
    union all
    select period, department_id, 'separations', n_separations, n_separations, null
    from with_company
    union all
    select period, department_id, 'turnover_rate_monthly_pct',
           case when n_employee_days > 0 then n_separations / (n_employee_days / n_calendar_days) * 100 end,
           n_separations, n_employee_days / n_calendar_days
    from with_company
)

select * from final order by period, department_id, kpi_code
