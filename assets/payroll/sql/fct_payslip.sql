-- fct_payslip: The payslip, wide: earnings, each BPJS program for employee and employer, PPh 21, net pay and cost.
-- grain: one row per employee per payroll run
-- schema: core
--
-- Columns come from the component catalogue (category, program, component_type), never from component codes:
--   gross_idr                 = all earnings (basic, allowances, overtime, THR, bonus)
--   employee_bpjs_idr         = employee deductions;  employer_contribution_idr = employer contributions
--   net_pay_idr               = gross_idr - employee_bpjs_idr - pph21_idr
--   employer_cost_idr         = gross_idr + employer_contribution_idr
--   taxable_income_idr        = the components the catalogue marks taxable (PPh 21 gross: earnings plus the
--                               employer's JKK, JKM and BPJS Kesehatan; docs/payroll_rules.md 2.1)
-- Lines of components missing from the catalogue are in no column; n_unknown_component_lines counts them.
-- column: basic_idr: Basic salary paid.
-- column: fixed_allowance_idr: Fixed allowances paid.
-- column: variable_allowance_idr: Variable allowances paid (meal, transport, ...).
-- column: overtime_idr: Overtime paid.
-- column: thr_idr: THR (religious-holiday allowance) paid.
-- column: bonus_idr: Bonus paid.
-- column: gross_idr: Gross pay: every earning.
-- column: bpjs_kesehatan_ee_idr: BPJS health contribution, employee part.
-- column: bpjs_kesehatan_er_idr: BPJS health contribution, employer part.
-- column: jht_ee_idr: JHT (old-age savings), employee part.
-- column: jht_er_idr: JHT, employer part.
-- column: jp_ee_idr: JP (pension), employee part.
-- column: jp_er_idr: JP, employer part.
-- column: jkk_er_idr: JKK (work accident), employer.
-- column: jkm_er_idr: JKM (death), employer.
-- column: employee_bpjs_idr: Every BPJS contribution deducted from the employee.
-- column: employer_contribution_idr: Every BPJS contribution the employer pays on top.
-- column: pph21_idr: PPh 21 withheld.
-- column: net_pay_idr: Net pay: gross less employee BPJS and PPh 21 and other deductions.
-- column: employer_cost_idr: What the payslip costs the employer: gross plus employer contributions.
-- column: n_unknown_component_lines: Lines whose component code is not in the component catalogue (left out of the totals).
-- personal: basic_idr, fixed_allowance_idr, variable_allowance_idr, overtime_idr, thr_idr, bonus_idr, gross_idr, bpjs_kesehatan_ee_idr, jht_ee_idr, jp_ee_idr, employee_bpjs_idr, pph21_idr, net_pay_idr, employer_cost_idr, taxable_income_idr
with lines as (
    select * from core.fct_payslip_line
),

totals as (
    select
        run_id,
        period,
        pay_date,
        employee_id,
        any_value(department_id) as department_id,
        coalesce(sum(amount_idr) filter (where category = 'basic'), 0)::bigint as basic_idr,
        coalesce(sum(amount_idr) filter (where category = 'allowance_fixed'), 0)::bigint as fixed_allowance_idr,
        coalesce(sum(amount_idr) filter (where category = 'allowance_variable'), 0)::bigint as variable_allowance_idr,
        coalesce(sum(amount_idr) filter (where category = 'overtime'), 0)::bigint as overtime_idr,
        coalesce(sum(amount_idr) filter (where category = 'thr'), 0)::bigint as thr_idr,
        coalesce(sum(amount_idr) filter (where category = 'bonus'), 0)::bigint as bonus_idr,
        coalesce(sum(amount_idr) filter (where component_type = 'earning'), 0)::bigint as gross_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'deduction' and program = 'BPJS_KESEHATAN'), 0)::bigint as bpjs_kesehatan_ee_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'employer_contribution' and program = 'BPJS_KESEHATAN'), 0)::bigint
            as bpjs_kesehatan_er_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'deduction' and program = 'JHT'), 0)::bigint as jht_ee_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'employer_contribution' and program = 'JHT'), 0)::bigint as jht_er_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'deduction' and program = 'JP'), 0)::bigint as jp_ee_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'employer_contribution' and program = 'JP'), 0)::bigint as jp_er_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'employer_contribution' and program like 'JKK%'), 0)::bigint as jkk_er_idr,
        coalesce(sum(amount_idr) filter (
            where component_type = 'employer_contribution' and program = 'JKM'), 0)::bigint as jkm_er_idr,
        coalesce(sum(amount_idr) filter (where component_type = 'deduction'), 0)::bigint as employee_bpjs_idr,
        coalesce(sum(amount_idr) filter (where component_type = 'employer_contribution'), 0)::bigint
            as employer_contribution_idr,
        coalesce(sum(amount_idr) filter (where component_type = 'tax'), 0)::bigint as pph21_idr,
        coalesce(sum(amount_idr) filter (where is_taxable), 0)::bigint as taxable_income_idr,
        count(*) filter (where not is_known_component) as n_unknown_component_lines,
        bool_and(is_known_employee) as is_known_employee
    from lines
    group by run_id, period, pay_date, employee_id
),

final as (
    select
        run_id, period, pay_date, employee_id, department_id,
        basic_idr, fixed_allowance_idr, variable_allowance_idr, overtime_idr, thr_idr, bonus_idr, gross_idr,
        bpjs_kesehatan_ee_idr, bpjs_kesehatan_er_idr, jht_ee_idr, jht_er_idr, jp_ee_idr, jp_er_idr,
        jkk_er_idr, jkm_er_idr, employee_bpjs_idr, employer_contribution_idr, pph21_idr,
        gross_idr - employee_bpjs_idr - pph21_idr as net_pay_idr,
        gross_idr + employer_contribution_idr as employer_cost_idr,
        taxable_income_idr,
        n_unknown_component_lines,
        is_known_employee
    from totals
)

select * from final order by period, run_id, employee_id
