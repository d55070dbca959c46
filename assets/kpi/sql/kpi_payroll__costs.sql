-- kpi_payroll__costs: payroll cost, per employee, average gross and net, overtime ratio, statutory cost, PPh 21, THR.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (domain_reference.md 1.2, 2.5): amounts are the payslips of the payroll period, each payslip in the
-- department the employee was in on the pay date (core.fct_payslip).
--   payroll_cost_total_idr        = sum(gross pay + employer contributions)
--   payroll_cost_per_employee_idr = payroll_cost_total_idr / average daily headcount (headcount_avg_daily)
--   gross_pay_avg_idr             = sum(gross pay) / employees paid in the month
--   net_pay_avg_idr               = sum(net pay) / employees paid in the month
--   overtime_cost_ratio_pct       = sum(overtime pay) / sum(basic + fixed allowances) * 100 (base pay denominator)
--   employer_statutory_cost_idr   = sum(employer BPJS contributions)
--   pph21_withheld_idr            = sum(PPh 21 withheld, December refunds netted)
--   thr_paid_idr                  = sum(THR paid)
with periods as (
    select * from core.dim_period
),

payslips as (
    select * from core.fct_payslip
),

employees as (
    select * from core.dim_employee
),

workforce as (
    select * from marts.kpi_hr__workforce
),

departments as (
    select department_id from employees where is_employed and department_id is not null
    union
    select department_id from payslips where department_id is not null
),

spine as (
    select p.period, d.department_id
    from periods p cross join departments d
),

paid as (
    select
        period,
        department_id,
        count(distinct employee_id) as n_employees_paid,
        sum(gross_idr) as gross_idr,
        sum(net_pay_idr) as net_pay_idr,
        sum(employer_cost_idr) as employer_cost_idr,
        sum(employer_contribution_idr) as employer_contribution_idr,
        sum(overtime_idr) as overtime_idr,
        sum(basic_idr + fixed_allowance_idr) as base_pay_idr,
        sum(pph21_idr) as pph21_idr,
        sum(thr_idr) as thr_idr
    from payslips
    group by period, department_id
),

by_department as (
    select
        s.period,
        s.department_id,
        coalesce(p.n_employees_paid, 0) as n_employees_paid,
        coalesce(p.gross_idr, 0) as gross_idr,
        coalesce(p.net_pay_idr, 0) as net_pay_idr,
        coalesce(p.employer_cost_idr, 0) as employer_cost_idr,
        coalesce(p.employer_contribution_idr, 0) as employer_contribution_idr,
        coalesce(p.overtime_idr, 0) as overtime_idr,
        coalesce(p.base_pay_idr, 0) as base_pay_idr,
        coalesce(p.pph21_idr, 0) as pph21_idr,
        coalesce(p.thr_idr, 0) as thr_idr
    from spine s
    left join paid p using (period, department_id)
),

company as (
    -- every payslip of the month, including any whose employee has no department on record
    select
        s.period,
        'ALL' as department_id,
        count(distinct p.employee_id) as n_employees_paid,
        coalesce(sum(p.gross_idr), 0) as gross_idr,
        coalesce(sum(p.net_pay_idr), 0) as net_pay_idr,
        coalesce(sum(p.employer_cost_idr), 0) as employer_cost_idr,
        coalesce(sum(p.employer_contribution_idr), 0) as employer_contribution_idr,
        coalesce(sum(p.overtime_idr), 0) as overtime_idr,
        coalesce(sum(p.basic_idr + p.fixed_allowance_idr), 0) as base_pay_idr,
        coalesce(sum(p.pph21_idr), 0) as pph21_idr,
        coalesce(sum(p.thr_idr), 0) as thr_idr
    from periods s
    left join payslips p on p.period = s.period
    group by s.period
),

with_headcount as (
    select
        a.*,
        coalesce(h.value, 0) as headcount_avg_daily
    from (select * from by_department union all select * from company) a
    left join workforce h
        on h.period = a.period and h.department_id = a.department_id and h.kpi_code = 'headcount_avg_daily'
),

final as (
    select period, department_id, 'payroll_cost_total_idr' as kpi_code,
           employer_cost_idr::double as value, employer_cost_idr::double as numerator, null::double as denominator
    from with_headcount
    union all
    select period, department_id, 'payroll_cost_per_employee_idr',
           case when headcount_avg_daily > 0 then employer_cost_idr / headcount_avg_daily end,
           employer_cost_idr, headcount_avg_daily
    from with_headcount
    union all
    select period, department_id, 'gross_pay_avg_idr',
           case when n_employees_paid > 0 then gross_idr / n_employees_paid end, gross_idr, n_employees_paid
    from with_headcount
    union all
    select period, department_id, 'net_pay_avg_idr',
           case when n_employees_paid > 0 then net_pay_idr / n_employees_paid end, net_pay_idr, n_employees_paid
    from with_headcount
    union all
    select period, department_id, 'overtime_cost_ratio_pct',
           case when base_pay_idr > 0 then overtime_idr / base_pay_idr * 100 end, overtime_idr, base_pay_idr
    from with_headcount
    union all
    select period, department_id, 'employer_statutory_cost_idr',
           employer_contribution_idr, employer_contribution_idr, null
    from with_headcount
    union all
    select period, department_id, 'pph21_withheld_idr', pph21_idr, pph21_idr, null
    from with_headcount
    union all
    select period, department_id, 'thr_paid_idr', thr_idr, thr_idr, null
    from with_headcount
)

select * from final order by period, department_id, kpi_code
