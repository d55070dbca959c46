-- kpi_payroll__costs: Payroll cost, per employee, average gross and net, overtime ratio, statutory cost, PPh 21, THR.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
-- needs: payslip_lines.amount_idr|pay_summaries.gross_pay
--
-- Formulas (docs/kpi_definitions.md 1.2, 2.5): amounts are the payslips of the payroll period, each payslip in the
-- department the employee was in on the pay date (core.fct_payslip).
--   payroll_cost_total_idr        = sum(gross pay + employer contributions)
--   payroll_cost_per_employee_idr = payroll_cost_total_idr / average daily headcount (headcount_avg_daily)
--   gross_pay_avg_idr             = sum(gross pay) / employees paid in the month
--   net_pay_avg_idr               = sum(net pay) / employees paid in the month
--   overtime_cost_ratio_pct       = sum(overtime pay) / sum(basic + fixed allowances) * 100 (base pay denominator)
--   employer_statutory_cost_idr   = sum(employer BPJS contributions)
--   pph21_withheld_idr            = sum(PPh 21 withheld, December refunds netted)
--   thr_paid_idr                  = sum(THR paid)
-- A month with no payslip at all takes a payroll register's pay summaries instead (core.fct_pay_summary_month:
-- each summary spread evenly over the months of its period, e.g. annual / 12), by the summary's department:
--   payroll_cost_total_idr = sum(gross pay) (a register has no employer contributions); gross_pay_avg_idr =
--   sum(gross pay) / summaries with pay; overtime_cost_ratio_pct = sum(overtime) / sum(base pay) * 100;
--   payroll_cost_per_employee_idr as above; net pay, employer statutory cost, PPh 21 and THR are not in a register:
--   their value is null. A month with payslips never adds summaries, so the two never double-count a month.
-- A month with neither has no rows: no payroll data is not a payroll cost of zero.
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

pay_summary_months as (
    select * from core.fct_pay_summary_month
),

summary_months as (
    -- pay summaries count only in months without any payslip
    select * from pay_summary_months
    where period not in (select distinct period from payslips)
        and period in (select period from periods)
),

summary_periods as (
    select distinct period from summary_months
),

departments as (
    select department_id from employees where is_employed and department_id is not null
    union
    select department_id from payslips where department_id is not null
    union
    select department_id from summary_months where department_id is not null
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

summary_paid as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) filter (where is_paid) as n_employees_paid,
        sum(gross_pay_idr) as gross_idr,
        sum(overtime_pay_idr) as overtime_idr,
        sum(base_pay_idr) as base_pay_idr
    from summary_months
    group by grouping sets ((period, department_id), (period))
),

summary_by_group as (
    -- every department of the spine (and ALL) in the months the summaries fill; a register has no employer
    -- contributions (the cost is the gross pay) and no net pay, PPh 21 or THR (null)
    select
        s.period,
        s.department_id,
        coalesce(p.n_employees_paid, 0) as n_employees_paid,
        coalesce(p.gross_idr, 0) as gross_idr,
        null as net_pay_idr,
        coalesce(p.gross_idr, 0) as employer_cost_idr,
        null as employer_contribution_idr,
        coalesce(p.overtime_idr, 0) as overtime_idr,
        coalesce(p.base_pay_idr, 0) as base_pay_idr,
        null as pph21_idr,
        null as thr_idr
    from (
        select period, department_id from spine where period in (select period from summary_periods)
        union all
        select period, 'ALL' from summary_periods
    ) s
    left join summary_paid p using (period, department_id)
),

with_headcount as (
    -- the payslip months, and the months a register's summaries fill (a month with payslips never has summaries);
    -- a month with neither has no payroll figures (not zeros)
    select
        a.*,
        coalesce(h.value, 0) as headcount_avg_daily
    from (
        select * from by_department where period in (select distinct period from payslips)
        union all
        select * from company where period in (select distinct period from payslips)
        union all
        select * from summary_by_group
    ) a
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
