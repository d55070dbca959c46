-- int_findings__income_tax: PPh 21 withheld that differs from the recomputation from the reference tax tables.
-- grain: one row per finding (employee and payroll run)
-- schema: core
--
-- From marts.payroll_recalculation (methods pph21_*: TER month, annualised month, annual Pasal 17 recalculation;
-- docs/payroll_rules.md sections 2.1-2.4): a finding when |withheld - recomputed| > pph21_tolerance_idr. Rows the
-- recalculation could not recompute (expected null: e.g. an annual recalculation whose earlier months are not in
-- the data) are not judged here; marts.payroll_recalculation lists them with the reason.
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
    where recalculation_differs(r.method, 'pph21_', r.actual_idr, r.expected_idr, p.pph21_tolerance_idr)
),

by_payslip as (
    select
        run_id,
        employee_id,
        any_value(period) as period,
        any_value(department_id) as department_id,
        string_agg(distinct method, ', ') as methods,
        sum(coalesce(actual_idr, 0))::bigint as actual_idr,
        sum(expected_idr)::bigint as expected_idr,
        any_value(rate_pct) as rate_pct,
        any_value(base_idr) as base_idr
    from differences
    group by run_id, employee_id
),

final as (
    select
        'pph21_recalculation:' || employee_id || ':' || run_id as finding_id,
        'pph21_recalculation' as control_code,
        null::varchar as severity,
        'employee' as entity,
        employee_id as entity_key,
        period,
        department_id,
        abs(actual_idr - expected_idr) as amount_at_risk_idr,
        employee_id || '''s payslip in run ' || run_id || ' withheld ' || money_text(actual_idr)
            || ' PPh 21 where the recomputation (' || upper(replace(methods, 'pph21_', '')) || ') gives '
            || money_text(expected_idr) || ', '
            || case when actual_idr > expected_idr then 'over' else 'under' end || '-withholding '
            || money_text(abs(actual_idr - expected_idr))
            || '; correct it in the next run and in the tax return.' as description,
        json_object('run_id', run_id, 'method', methods, 'actual_idr', actual_idr, 'expected_idr', expected_idr,
                    'difference_idr', actual_idr - expected_idr, 'rate_pct', rate_pct, 'base_idr', base_idr,
                    'tolerance_idr', (select pph21_tolerance_idr from params))::varchar as evidence
    from by_payslip
)

select * from final order by period, entity_key
