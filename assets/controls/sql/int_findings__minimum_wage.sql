-- int_findings__minimum_wage: Wages below the regional minimum wage for employees with less than one year of service.
-- grain: one row per finding (employee salary record and minimum-wage year)
-- schema: core
--
-- Rule (docs/payroll_rules.md section 2.8; UU 6/2023 Pasal 88E): for each payslip month, the employee's salary
-- record in force at the end of the month (the latest employed version started by then); wage = basic salary +
-- fixed allowance (the full monthly amounts, not pro-rated); region = the department's work region
-- (core.dim_department), else the employee's work location; minimum = reference.minimum_wages for that region in
-- force on the first of the month (the highest if several levels are listed). Judged only while completed months
-- of service at the start of the month are below minimum_wage_max_service_months (reference.labour_parameters).
-- A finding when wage < minimum - minimum_wage_tolerance_idr; consecutive months of one salary record under one
-- minimum are one finding. amount_at_risk_idr = monthly shortfall x months.
with payslips as (
    select * from core.fct_payslip
),

employees as (
    select * from core.dim_employee
),

departments as (
    select * from core.dim_department
),

minimum_wages as (
    select * from reference.minimum_wages
),

labour_parameters as (
    select * from reference.labour_parameters
),

params as (
    select * from core.control_parameters
),

employee_months as (
    select distinct employee_id, period from payslips
),

salary_record as (
    select
        m.employee_id,
        m.period,
        e.employee_version_id,
        e.valid_from,
        e.hire_date,
        e.department_id,
        coalesce(d.region_code, e.work_location) as region_code,
        e.base_salary_idr + coalesce(e.fixed_allowance_idr, 0) as wage_idr
    from employee_months m
    join employees e
        on e.employee_id = m.employee_id
        and e.is_employed
        and overlaps_month(e.valid_from, e.valid_to, m.period)
    left join departments d on d.department_id = e.department_id
    qualify row_number() over (partition by m.employee_id, m.period order by e.valid_from desc) = 1
),

service_limit as (
    select
        m.period,
        max(l.value::double) as max_service_months
    from (select distinct period from employee_months) m
    join labour_parameters l
        on l.parameter = 'minimum_wage_max_service_months'
        and is_in_force(m.period, l.effective_from, l.effective_to)
    group by m.period
),

with_minimum as (
    select
        s.*,
        date_diff('month', s.hire_date, s.period) - case when day(s.period) < day(s.hire_date) then 1 else 0 end
            as months_of_service,
        l.max_service_months,
        w.year as minimum_year,
        w.level as minimum_level,
        w.min_wage_idr
    from salary_record s
    join service_limit l using (period)
    join minimum_wages w
        on w.region_code = s.region_code
        and is_in_force(s.period, w.effective_from, w.effective_to)
    qualify row_number() over (partition by s.employee_id, s.period order by w.min_wage_idr desc) = 1
),

below as (
    select b.*
    from with_minimum b
    cross join params p
    where b.months_of_service < b.max_service_months
        and b.wage_idr < b.min_wage_idr - p.minimum_wage_tolerance_idr
),

grouped as (
    select
        employee_id,
        employee_version_id,
        minimum_year,
        any_value(valid_from) as valid_from,
        any_value(hire_date) as hire_date,
        any_value(region_code) as region_code,
        any_value(minimum_level) as minimum_level,
        any_value(wage_idr) as wage_idr,
        any_value(min_wage_idr) as min_wage_idr,
        arg_max(department_id, period) as department_id,
        min(period) as first_period,
        max(period) as last_period,
        count(*) as n_months
    from below
    group by employee_id, employee_version_id, minimum_year
),

final as (
    select
        'minimum_wage:' || employee_id || ':' || strftime(valid_from, '%Y%m%d') || ':' || minimum_year as finding_id,
        'minimum_wage' as control_code,
        null::varchar as severity,
        'employee' as entity,
        employee_id as entity_key,
        first_period as period,
        department_id,
        (ceil(min_wage_idr - wage_idr) * n_months)::bigint as amount_at_risk_idr,
        employee_id || ' (hired ' || strftime(hire_date, '%Y-%m-%d') || ', under one year of service) earns '
            || money_text(wage_idr) || ' basic + fixed allowance, below the ' || region_code || ' '
            || minimum_level || ' ' || minimum_year || ' of ' || money_text(ceil(min_wage_idr)::bigint)
            || ' in ' || n_months || ' month(s) from ' || strftime(first_period, '%Y-%m')
            || '; raise the wage to the minimum and pay the arrears.' as description,
        json_object('hire_date', hire_date, 'region_code', region_code, 'level', minimum_level,
                    'year', minimum_year, 'wage_idr', wage_idr, 'min_wage_idr', min_wage_idr,
                    'first_period', first_period, 'last_period', last_period, 'n_months', n_months)::varchar
            as evidence
    from grouped
)

select * from final order by entity_key, period
