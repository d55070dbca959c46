-- kpi_hr__organisation: Average tenure and span of control of the workforce at month end.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Population: the period-end headcount (employed after the close of the last day of the month, as
-- headcount_period_end in kpi_hr__workforce), in the department each person is in on that day.
-- Formulas (docs/kpi_definitions.md 1.2):
--   avg_tenure_years = mean(period_end - hire_date) in years of 365.25 days; hire_date is the latest hire
--                      (a rehire's service restarts)
--   span_of_control  = employees with a manager / distinct managers (direct reports only), grouped by the
--                      department of the manager on that day (a manager not in the period-end headcount is
--                      placed in the report's department)
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

at_period_end as (
    select p.period, p.period_end, e.employee_id, e.department_id, e.manager_id, e.hire_date
    from periods p
    join employed e on p.period_end between e.valid_from and e.valid_to
    where e.termination_date is null or e.termination_date > p.period_end
),

tenure as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) as n_employees,
        -- sum whole days first, so the result does not depend on the order of a floating-point sum
        sum(date_diff('day', hire_date, period_end)) / 365.25 as years_tenure
    from at_period_end
    group by grouping sets ((period, department_id), (period))
),

reports as (
    select r.period, coalesce(m.department_id, r.department_id) as department_id, r.employee_id, r.manager_id
    from at_period_end r
    left join at_period_end m on m.period = r.period and m.employee_id = r.manager_id
    where r.manager_id is not null
),

spans as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) as n_reports,
        count(distinct manager_id) as n_managers
    from reports
    group by grouping sets ((period, department_id), (period))
),

by_group as (
    select
        s.period,
        s.department_id,
        coalesce(t.n_employees, 0) as n_employees,
        t.years_tenure,
        coalesce(sp.n_reports, 0) as n_reports,
        coalesce(sp.n_managers, 0) as n_managers
    from spine s
    left join tenure t using (period, department_id)
    left join spans sp using (period, department_id)
),

final as (
    select period, department_id, 'avg_tenure_years' as kpi_code,
           case when n_employees > 0 then years_tenure / n_employees end::double as value,
           coalesce(years_tenure, 0)::double as numerator, n_employees::double as denominator
    from by_group
    union all
    select period, department_id, 'span_of_control',
           case when n_managers > 0 then n_reports / n_managers end, n_reports, n_managers
    from by_group
)

select * from final order by period, department_id, kpi_code
