-- int_payroll__expected_bpjs: BPJS contributions each payslip should carry, recomputed from reference rates.
-- grain: one row per employee per payroll run per BPJS component of the catalogue
-- schema: core
--
-- Law (docs/payroll_rules.md 2.5), rates and caps from reference.bpjs_programs in force on the first day of the period:
--   base     = monthly wage (basic + fixed allowance, not pro-rated), floored at the work region's minimum wage
--              for programs whose wage_floor is regional_minimum_wage (BPJS Kesehatan), capped at the program's
--              wage cap (BPJS Kesehatan, JP)
--   expected = round_half_up(base x employee_pct or employer_pct), the side from the component type
-- The components and their program (JKK carries the company's risk class) come from the component catalogue. A
-- minimum wage with decimals is rounded up to whole rupiah so the floor is never below it.
-- column: min_wage_idr: Minimum wage of the employee's region (a floor of some programs' wage base).
-- personal: monthly_wage_idr, base_idr, expected_idr, actual_idr
with context as (
    select * from core.int_payroll__payslip_context
),

components as (
    select * from core.dim_payroll_component
),

lines as (
    select * from core.fct_payslip_line
),

programs as (
    select * from reference.bpjs_programs
),

minimum_wages as (
    select * from reference.minimum_wages
),

bpjs_components as (
    select component_code, component_type, program
    from components
    where program is not null and component_type in ('deduction', 'employer_contribution')
),

actual as (
    -- only the BPJS components are compared: summing every line first cost a new month a pass over all of them
    select run_id, employee_id, component_code, sum(amount_idr) as actual_idr
    from lines
    where component_code in (select b.component_code from bpjs_components b)
    group by run_id, employee_id, component_code
),

regional_minimum as (
    select
        c.run_id,
        c.employee_id,
        ceil(max(m.min_wage_idr))::bigint as min_wage_idr
    from context c
    join minimum_wages m
        on m.region_code = c.region_code
        and is_in_force(c.period, m.effective_from, m.effective_to)
    group by c.run_id, c.employee_id
),

contributions as (
    select
        c.run_id,
        c.period,
        c.pay_date,
        c.employee_id,
        c.department_id,
        c.is_known_employee,
        c.has_employment,
        c.region_code,
        c.monthly_wage_idr,
        b.component_code,
        b.component_type,
        b.program,
        p.program is not null as has_rate,
        case when b.component_type = 'deduction' then p.employee_pct else p.employer_pct end as rate_pct,
        p.wage_cap_idr,
        nullif(trim(p.wage_floor), '') as wage_floor,
        m.min_wage_idr
    from context c
    cross join bpjs_components b
    left join programs p
        on p.program = b.program
        and is_in_force(c.period, p.effective_from, p.effective_to)
    left join regional_minimum m on m.run_id = c.run_id and m.employee_id = c.employee_id
),

with_base as (
    select
        *,
        least(
            case when wage_floor = 'regional_minimum_wage' then greatest(monthly_wage_idr, min_wage_idr)
                 else monthly_wage_idr end,
            coalesce(wage_cap_idr, monthly_wage_idr, min_wage_idr)
        ) as base_idr,
        case
            when not is_known_employee then
                'Payslip for employee ' || employee_id || ', who is not in the HR master or job history: there '
                || 'is no wage to recompute ' || program || ' from.'
            when not has_employment then
                'Employee ' || employee_id || ' has no employment on record by the end of '
                || strftime(period, '%Y-%m') || ' (paid before the hire date?), so ' || program
                || ' cannot be recomputed.'
            when monthly_wage_idr is null then
                'Employee ' || employee_id || ' has no basic salary or fixed allowance in the HR history for '
                || strftime(period, '%Y-%m') || ', so ' || program || ' cannot be recomputed.'
            when not has_rate then
                'No rate for BPJS program ' || program || ' in reference.bpjs_programs on '
                || strftime(period, '%Y-%m-%d') || ', so ' || component_code || ' cannot be recomputed.'
            when wage_floor is not null and wage_floor <> 'regional_minimum_wage' then
                'Wage floor rule ''' || wage_floor || ''' of ' || program || ' in reference.bpjs_programs is not '
                || 'one this recalculation knows (regional_minimum_wage).'
            when wage_floor = 'regional_minimum_wage' and min_wage_idr is null then
                'No minimum wage in reference.minimum_wages for work region ' || coalesce(region_code, '(none)')
                || ' on ' || strftime(period, '%Y-%m-%d') || ', so the ' || program || ' wage floor cannot be applied.'
        end as problem
    from contributions
),

final as (
    select
        w.run_id,
        w.period,
        w.pay_date,
        w.employee_id,
        w.department_id,
        w.component_code,
        w.program,
        w.monthly_wage_idr,
        w.min_wage_idr,
        w.wage_cap_idr,
        w.base_idr,
        w.rate_pct,
        -- in bigint where the product cannot overflow (4e12 x 2 x 1e6 < 2^63), else in hugeint: the same value,
        -- and hugeint arithmetic on every row took half the model's time
        case
            when w.problem is not null then null
            when abs(w.base_idr) <= 4000000000000 and abs(w.rate_pct) <= 100
                then (2 * w.base_idr::bigint * round(w.rate_pct * 10000)::bigint + 1000000) // 2000000
            else ((2 * w.base_idr::hugeint * round(w.rate_pct * 10000)::bigint + 1000000) // 2000000)::bigint
        end as expected_idr,
        coalesce(a.actual_idr, 0) as actual_idr,
        w.problem
    from with_base w
    left join actual a
        on a.run_id = w.run_id and a.employee_id = w.employee_id and a.component_code = w.component_code
)

select * from final order by period, run_id, employee_id, component_code
