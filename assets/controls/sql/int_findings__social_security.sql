-- int_findings__social_security: BPJS contributions missing or different from the recomputation on the wage base with the program's cap and floor.
-- grain: one row per finding (employee and payroll run)
-- schema: core
--
-- From marts.payroll_recalculation (methods bpjs_*; docs/payroll_rules.md section 2.5): a payslip is a finding when
-- any of its BPJS components differs from the recomputed amount by more than bpjs_tolerance_idr (a component
-- with nothing paid where something is due is "missing"). Rows the recalculation could not recompute (expected
-- null, with a `problem`) are not judged here; marts.payroll_recalculation lists them with the reason.
-- amount_at_risk_idr = the sum of the absolute differences.
with recalculation as (
    select * from marts.payroll_recalculation
),

params as (
    select * from core.control_parameters
),

differences as (
    select r.*
    from recalculation r
    cross join params p
    where recalculation_differs(r.method, 'bpjs_', r.actual_idr, r.expected_idr, p.bpjs_tolerance_idr)
),

by_payslip as (
    select
        run_id,
        employee_id,
        any_value(period) as period,
        any_value(department_id) as department_id,
        sum(abs(coalesce(actual_idr, 0) - expected_idr))::bigint as total_difference_idr,
        string_agg(
            component_code || ' ' || money_text(coalesce(actual_idr, 0)) || ' where the recomputation gives '
            || money_text(expected_idr) || ' (base ' || money_text(base_idr) || ')'
            || case when coalesce(actual_idr, 0) = 0 then ', missing' else '' end,
            '; ' order by component_code
        ) as components_text,
        list({'component_code': component_code, 'actual_idr': actual_idr, 'expected_idr': expected_idr,
              'base_idr': base_idr, 'rate_pct': rate_pct} order by component_code) as components
    from differences
    group by run_id, employee_id
),

final as (
    select
        'bpjs_contribution:' || employee_id || ':' || run_id as finding_id,
        'bpjs_contribution' as control_code,
        null::varchar as severity,
        'employee' as entity,
        employee_id as entity_key,
        period,
        department_id,
        total_difference_idr as amount_at_risk_idr,
        employee_id || '''s payslip in run ' || run_id || ' carries ' || components_text
            || '; correct the contribution and its wage base or cap.' as description,
        json_object('run_id', run_id, 'components', components,
                    'tolerance_idr', (select bpjs_tolerance_idr from params))::varchar as evidence
    from by_payslip
)

select * from final order by period, entity_key
