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

groups as (
    select department_id from employees where is_employed and department_id is not null
    union
    select department_id from payslips where department_id is not null
    union
    select department_id from summary_months where department_id is not null
    union
    select 'ALL'
),

spine as (
    select p.period, g.department_id
    from periods p cross join groups g
),

payslip_groups as (
    -- the payslip months; the company (ALL) takes every payslip, including any whose employee has no department
    -- on record
    select
        s.period,
        s.department_id,
        count(distinct p.employee_id) as n_employees_paid,
        coalesce(sum(p.gross_idr), 0) as gross_idr,
        coalesce(sum(p.net_pay_idr), 0) as net_pay_idr,
        coalesce(sum(p.employer_cost_idr), 0) as employer_cost_idr,
        coalesce(sum(p.employer_contribution_idr), 0) as employer_contribution_idr,
        coalesce(sum(p.overtime_idr), 0) as overtime_idr,
        coalesce(sum(p.basic_idr + p.fixed_allowance_idr), 0) as base_pay_idr,
        coalesce(sum(p.pph21_idr), 0) as pph21_idr,
        coalesce(sum(p.thr_idr), 0) as thr_idr
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from payslips) p
        on p.period = s.period and p.group_id = s.department_id
    where s.period in (select period from payslips)
    group by s.period, s.department_id
),

summary_groups as (
    -- the months the summaries fill; a register has no employer contributions (the cost is the gross pay), and no
    -- net pay, PPh 21 or THR: the union by name leaves them null
    select
        s.period,
        s.department_id,
        count(*) filter (where m.is_paid) as n_employees_paid,
        coalesce(sum(m.gross_pay_idr), 0) as gross_idr,
        coalesce(sum(m.gross_pay_idr), 0) as employer_cost_idr,
        coalesce(sum(m.overtime_pay_idr), 0) as overtime_idr,
        coalesce(sum(m.base_pay_idr), 0) as base_pay_idr
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from summary_months) m
        on m.period = s.period and m.group_id = s.department_id
    where s.period in (select period from summary_periods)
    group by s.period, s.department_id
),

with_headcount as (
    -- a month with payslips never has summaries; a month with neither has no payroll figures (not zeros)
    select
        a.*,
        coalesce(h.value, 0) as headcount_avg_daily
    from (
        select * from payslip_groups
        union all by name
        select * from summary_groups
    ) a
    left join workforce h
        on h.period = a.period and h.department_id = a.department_id and h.kpi_code = 'headcount_avg_daily'
),

final as (
    select period, department_id, unnest([
        kpi_total_row('payroll_cost_total_idr', employer_cost_idr),
        kpi_ratio_row('payroll_cost_per_employee_idr', employer_cost_idr, headcount_avg_daily),
        kpi_ratio_row('gross_pay_avg_idr', gross_idr, n_employees_paid),
        kpi_ratio_row('net_pay_avg_idr', net_pay_idr, n_employees_paid),
        kpi_pct_row('overtime_cost_ratio_pct', overtime_idr, base_pay_idr),
        kpi_total_row('employer_statutory_cost_idr', employer_contribution_idr),
        kpi_total_row('pph21_withheld_idr', pph21_idr),
        kpi_total_row('thr_paid_idr', thr_idr)
    ], recursive := true)
    from with_headcount
)

select * from final order by period, department_id, kpi_code
