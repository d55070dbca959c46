-- fct_payslip_line: Payslip lines with what each component is and the employee's department on the pay date.
-- grain: one row per payroll run, employee and component
-- schema: core
-- needs: payslip_lines.employee_id, payslip_lines.period, payslip_lines.component_code, payslip_lines.amount_idr, payroll_components.component_code, payroll_components.category
--
-- period is the month start of the run's period. department_id is the employee's department on the pay date
-- (a transfer on the 1st moves the whole month); for someone hired after the pay date of their first month, the
-- department they joined that month (a rehire into another department after the pay date included). Only
-- employed versions count. Lines whose employee or component is unknown are kept (never dropped) and
-- marked with is_known_employee / is_known_component, so totals and the recalculation can say so.
-- column: is_known_component: True when the component code is in the component catalogue.
with lines as (
    select * from canonical.payslip_lines
),

components as (
    select * from core.dim_payroll_component
),

employees as (
    select * from core.dim_employee
),

typed as (
    select
        run_id,
        payroll_period(period, pay_date) as period,
        pay_date,
        employee_id,
        component_code,
        amount_idr
    from lines
),

employee_runs as (
    select distinct run_id, period, pay_date, employee_id from typed
),

department_on_pay_date as (
    -- the version on the pay date, else the latest one; a null pay date ranks below both, as it would sort last
    -- (one aggregate: ranking the versions with a window sorted every run's versions, 4 s of CPU on a large company)
    select
        r.run_id,
        r.employee_id,
        arg_max(e.department_id, struct_pack(
            on_pay_date := case
                when r.pay_date between e.valid_from and e.valid_to then 2
                when not r.pay_date between e.valid_from and e.valid_to then 1
                else 0
            end,
            valid_from := coalesce(e.valid_from, '-infinity'::date)
        )) as department_id
    from employee_runs r
    join employees e
        on e.employee_id = r.employee_id and is_employed_by_month_end(r.period, e.is_employed, e.valid_from)
    group by r.run_id, r.employee_id
),

final as (
    select
        t.run_id,
        t.period,
        t.pay_date,
        t.employee_id,
        d.department_id,
        t.component_code,
        c.component_name,
        c.component_type,
        c.category,
        c.program,
        coalesce(c.is_taxable, false) as is_taxable,
        t.amount_idr,
        k.employee_id is not null as is_known_employee,
        c.component_code is not null as is_known_component
    from typed t
    left join components c on c.component_code = t.component_code
    left join department_on_pay_date d on d.run_id = t.run_id and d.employee_id = t.employee_id
    -- known: the id has a version in dim_employee, and exactly one of them is current
    left join employees k on k.employee_id = t.employee_id and k.is_current
)

-- Not sorted: the rows keep the order of canonical.payslip_lines (file by file as loaded, so month by month).
-- Readers filter and group them; sorting all rows took 4.7 of the 9.4 s of its query at L.
select * from final
