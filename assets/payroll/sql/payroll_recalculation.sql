-- payroll_recalculation: PPh 21, BPJS and overtime recomputed from the reference tables, beside what was paid.
-- grain: one row per payroll run, employee and recomputed component (PPh 21, each BPJS component, overtime)
-- schema: marts
--
-- Plus one row per payslip line whose component is not in the catalogue (expected_idr null, with the reason).
-- difference_idr = actual_idr - expected_idr (positive: paid or withheld more than the rules give). expected_idr
-- is null when it cannot be recomputed, and `problem` says why in a sentence (unknown employee, unknown PTKP
-- status, a period with no reference rate, an annual recalculation whose earlier months are not in the data, ...).
-- is_match: true when what was paid (nothing paid counts as 0) equals the recomputation, false when it differs,
-- and null when the amount cannot be recomputed: not checked is never reported as a mismatch (nor as a match).
-- How each amount is recomputed is in the header of its model:
-- int_payroll__expected_pph21, int_payroll__expected_bpjs, int_payroll__expected_overtime.
-- column: component_code: The payslip component recomputed (PPh 21, a BPJS program or overtime).
-- personal: base_idr, expected_idr, actual_idr
with pph21 as (
    select * from core.int_payroll__expected_pph21
),

bpjs as (
    select * from core.int_payroll__expected_bpjs
),

overtime as (
    select * from core.int_payroll__expected_overtime
),

lines as (
    select * from core.fct_payslip_line
),

components as (
    select * from core.dim_payroll_component
),

component_codes as (
    select
        coalesce(min(component_code) filter (where category = 'pph21'), 'PPH21') as pph21_code,
        coalesce(min(component_code) filter (where category = 'overtime'), 'OVERTIME') as overtime_code
    from components
),

unioned as (
    select
        p.run_id, p.period, p.pay_date, p.employee_id, p.department_id, c.pph21_code as component_code,
        'pph21_' || lower(coalesce(p.method, 'unknown')) as method,
        coalesce(p.year_taxable_idr, p.taxable_income_idr) as base_idr,
        p.ter_rate_pct as rate_pct,
        p.expected_idr, p.actual_idr, p.problem
    from pph21 p
    cross join component_codes c
    union all
    select
        run_id, period, pay_date, employee_id, department_id, component_code,
        'bpjs_' || lower(program) as method,
        base_idr, rate_pct, expected_idr, actual_idr, problem
    from bpjs
    union all
    select
        o.run_id, o.period, o.pay_date, o.employee_id, o.department_id, c.overtime_code,
        'overtime' as method,
        o.monthly_wage_idr as base_idr, null as rate_pct, o.expected_idr, o.actual_idr, o.problem
    from overtime o
    cross join component_codes c
    union all
    -- the lines of a component missing from the catalogue, summed per payslip and component
    select
        run_id, period, pay_date, employee_id, any_value(department_id), component_code,
        'unknown_component' as method,
        null as base_idr, null as rate_pct, null as expected_idr, sum(amount_idr),
        'Component ' || component_code || ' is not in the payroll component catalogue, so it is in no payslip '
        || 'total and cannot be checked; add it to the catalogue.' as problem
    from lines
    where not is_known_component
    group by run_id, period, pay_date, employee_id, component_code
),

final as (
    -- every branch's columns as they are, the amounts typed alike, then the comparison before the problem
    select
        * exclude (problem) replace (
            base_idr::bigint as base_idr,
            rate_pct::double as rate_pct,
            expected_idr::bigint as expected_idr,
            actual_idr::bigint as actual_idr
        ),
        (actual_idr - expected_idr)::bigint as difference_idr,
        case when expected_idr is not null then coalesce(actual_idr, 0) = expected_idr end as is_match,
        problem
    from unioned
)

select * from final order by period, employee_id, component_code, run_id
