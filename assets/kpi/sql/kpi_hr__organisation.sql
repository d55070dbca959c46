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
    join employed e on is_in_headcount_after(p.period_end, e.is_employed, e.valid_from, e.valid_to, e.termination_date)
),

tenure as (
    select
        s.period,
        s.department_id,
        count(e.employee_id) as n_employees,
        -- sum whole days first, so the result does not depend on the order of a floating-point sum
        sum(date_diff('day', e.hire_date, e.period_end)) / 365.25 as years_tenure
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from at_period_end) e
        on e.period = s.period and e.group_id = s.department_id
    group by s.period, s.department_id
),

reports as (
    select r.period, coalesce(m.department_id, r.department_id) as department_id, r.employee_id, r.manager_id
    from at_period_end r
    left join at_period_end m on m.period = r.period and m.employee_id = r.manager_id
    where r.manager_id is not null
),

spans as (
    select
        s.period,
        s.department_id,
        count(r.employee_id) as n_reports,
        count(distinct r.manager_id) as n_managers
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from reports) r
        on r.period = s.period and r.group_id = s.department_id
    group by s.period, s.department_id
),

by_group as (
    select * from tenure join spans using (period, department_id)
),

final as (
    select period, department_id, unnest([
        kpi_row('avg_tenure_years', kpi_ratio(years_tenure, n_employees), coalesce(years_tenure, 0), n_employees),
        kpi_ratio_row('span_of_control', n_reports, n_managers)
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
