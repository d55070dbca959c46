-- int_payroll__payslip_context: Per payslip, the wage, region, PTKP, employment, tax method and year-to-date.
-- grain: one row per employee per payroll run
-- schema: core
--
-- Read from HR and the payslips themselves, never from the payroll engine:
--   monthly_wage_idr   basic + fixed allowance of the last employed version starting by the period end (pay in
--                      force when the month's payroll closes; for pay after termination, the last pay before leaving)
--   region_code        the work region of that version's department, else the employee's work location
--   is_employed_in_period  employed on at least one day of the period; payslips of someone not employed that month
--                      are taxed as a regular month and kept out of the tax year (they are a control finding)
--   is_final_tax_period    December, or the month the employment ends: the annual Pasal 17 recalculation
--   ytd_*_before_idr   this employment's earlier payslips of the same tax year (a rehire starts a new tax year with
--                      this employer); is_ytd_complete is false when the data starts after January and the
--                      employment began before the data did, so the year's totals are not all here
-- column: tax_year: Tax year of the payslip.
-- column: has_employment: True when the HR history has an employment for the employee.
-- column: is_employed_in_period: True when employed on at least one day of the period.
-- column: termination_date: Last day of the employment, when it falls by the end of the period.
-- column: region_code: Work region of the employee's department, else the employee's work location.
-- column: is_final_tax_period: True in December or the month the employment ends (annual recalculation).
-- column: monthly_method: Tax method of a regular month (TER).
-- column: is_ytd_complete: False when the year's earlier payslips are not all in the data.
-- column: data_first_period: First month of payroll data.
-- column: variable_allowance_idr: Variable allowances paid.
-- column: overtime_idr: Overtime paid.
-- column: jht_ee_idr: JHT, employee part.
-- column: jp_ee_idr: JP, employee part.
-- column: pph21_idr: PPh 21 withheld.
-- column: ytd_taxable_before_idr: Taxable income of the employment's earlier payslips in the tax year.
-- column: ytd_jht_ee_before_idr: Employee JHT of the earlier payslips in the tax year.
-- column: ytd_jp_ee_before_idr: Employee JP of the earlier payslips in the tax year.
-- column: ytd_pph21_before_idr: PPh 21 withheld on the earlier payslips in the tax year.
-- column: n_tax_months: Months of the employment in the tax year.
-- personal: monthly_wage_idr, taxable_income_idr, variable_allowance_idr, overtime_idr, jht_ee_idr, jp_ee_idr, pph21_idr, ytd_taxable_before_idr, ytd_pph21_before_idr
with payslips as (
    select * from core.fct_payslip
),

employees as (
    select * from core.dim_employee
),

departments as (
    select * from canonical.departments
),

pph21_parameters as (
    select * from reference.pph21_parameters
),

wage_version as (
    select
        p.run_id,
        p.employee_id,
        e.spell_no,
        e.hire_date,
        e.termination_date,
        e.department_id,
        e.base_salary_idr,
        e.fixed_allowance_idr,
        e.work_location,
        e.ptkp_status
    from payslips p
    join employees e
        on e.employee_id = p.employee_id and is_employed_by_month_end(p.period, e.is_employed, e.valid_from)
    qualify row_number() over (partition by p.run_id, p.employee_id order by e.valid_from desc) = 1
),

employed_in_period as (
    select distinct p.run_id, p.employee_id
    from payslips p
    join employees e
        on e.employee_id = p.employee_id
        and is_employed_by_month_end(p.period, e.is_employed, e.valid_from)
        and e.valid_to >= p.period
),

monthly_method as (
    -- one row per parameter is in force on any day (reference/data/README.md)
    select p.period, upper(trim(max(m.value))) as monthly_method
    from (select distinct period from payslips) p
    left join pph21_parameters m
        on m.parameter = 'monthly_method'
        and is_in_force(p.period, m.effective_from, m.effective_to)
    group by p.period
),

data_start as (
    select min(period) as first_period from payslips
),

context as (
    select
        p.run_id,
        p.period,
        p.pay_date,
        p.employee_id,
        p.department_id,
        year(p.period) as tax_year,
        p.is_known_employee,
        w.employee_id is not null as has_employment,
        ep.employee_id is not null as is_employed_in_period,
        w.spell_no,
        w.hire_date,
        -- as known at the period's end: a later leaving changes no earlier period (its monthly partitions)
        case when w.termination_date <= last_day(p.period) then w.termination_date end as termination_date,
        w.base_salary_idr + w.fixed_allowance_idr as monthly_wage_idr,
        coalesce(d.region_code, w.work_location) as region_code,
        w.ptkp_status,
        ep.employee_id is not null
            and (month(p.period) = 12 or coalesce(w.termination_date between p.period and last_day(p.period), false))
            as is_final_tax_period,
        mm.monthly_method,
        s.first_period <= make_date(year(p.period), 1, 1) or w.hire_date >= s.first_period as is_ytd_complete,
        s.first_period as data_first_period,
        p.taxable_income_idr,
        p.variable_allowance_idr,
        p.overtime_idr,
        p.jht_ee_idr,
        p.jp_ee_idr,
        p.pph21_idr
    from payslips p
    cross join data_start s
    left join wage_version w on w.run_id = p.run_id and w.employee_id = p.employee_id
    left join employed_in_period ep on ep.run_id = p.run_id and ep.employee_id = p.employee_id
    left join departments d on d.department_id = w.department_id
    left join monthly_method mm on mm.period = p.period
),

year_to_date as (
    select
        run_id,
        employee_id,
        coalesce(sum(taxable_income_idr) over earlier, 0)::bigint as ytd_taxable_before_idr,
        coalesce(sum(jht_ee_idr) over earlier, 0)::bigint as ytd_jht_ee_before_idr,
        coalesce(sum(jp_ee_idr) over earlier, 0)::bigint as ytd_jp_ee_before_idr,
        coalesce(sum(pph21_idr) over earlier, 0)::bigint as ytd_pph21_before_idr,
        count(*) over earlier + 1 as n_tax_months
    from context
    where is_employed_in_period
    window earlier as (
        partition by employee_id, tax_year, spell_no
        order by pay_date, run_id
        rows between unbounded preceding and 1 preceding
    )
),

final as (
    select
        c.*,
        y.ytd_taxable_before_idr,
        y.ytd_jht_ee_before_idr,
        y.ytd_jp_ee_before_idr,
        y.ytd_pph21_before_idr,
        y.n_tax_months
    from context c
    left join year_to_date y on y.run_id = c.run_id and y.employee_id = c.employee_id
)

select * from final order by period, run_id, employee_id
