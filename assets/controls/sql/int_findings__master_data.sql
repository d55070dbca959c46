-- int_findings__master_data: Ghost-employee attributes of the HR master: shared bank accounts, missing and duplicate tax ids.
-- grain: one row per finding (control_code, employee)
-- schema: core
--
-- Rules (docs/audit_tests.md section 3, tests 3 and 4). Bank accounts and tax ids are compared after
-- normalisation (digits only, so '820-390 5508' = '8203905508'); a value with no digit is blank. Only employees
-- paid in the data (core.fct_payslip) are judged: a former employee's stale record is not an exception.
--   shared_bank_account  every such employee whose account is also the account of another such employee
--   missing_tax_id       every such employee with a blank tax id
--   duplicate_tax_id     every such employee sharing a tax id with another such employee
-- Findings carry the employee's latest payslip: its period, department and net pay (the monthly exposure).
with master as (
    select * from canonical.employees
),

payslips as (
    select * from core.fct_payslip
),

employees as (
    select
        employee_id,
        full_name,
        digits_only(bank_account) as bank_account,
        digits_only(tax_id) as tax_id
    from master
),

latest_payslip as (
    select
        employee_id,
        arg_max(period, pay_date) as period,
        arg_max(department_id, pay_date) as department_id,
        arg_max(net_pay_idr, pay_date)::bigint as net_pay_idr,
        count(*) as n_payslips
    from payslips
    group by employee_id
),

paid_employees as (
    select e.*, p.period, p.department_id, p.net_pay_idr, p.n_payslips
    from employees e
    join latest_payslip p using (employee_id)
),

holders as (
    -- each paid employee's bank account and tax id (a blank one is left out), with every paid employee who has
    -- the same one
    select
        employee_id,
        net_pay_idr,
        identifier,
        value,
        list(employee_id order by employee_id) over (partition by identifier, value) as employee_ids
    from paid_employees
    unpivot (value for identifier in (bank_account, tax_id))
),

shared_identifier as (
    -- shared_bank_account and duplicate_tax_id: an account or a tax id that other paid employees have too
    select
        case identifier when 'bank_account' then 'shared_bank_account' else 'duplicate_tax_id' end as control_code,
        employee_id,
        employee_id
            || case identifier
                when 'bank_account' then ' is paid into bank account ' || value || ', which is also the account of '
                else ' has tax id ' || value || ', the same as '
            end
            || array_to_string(list_filter(employee_ids, lambda x: x <> employee_id), ', ')
            || case identifier
                when 'bank_account' then '; confirm each person and their own account with HR.'
                else '; one person cannot hold two employee records: check for a ghost or a duplicate hire.'
            end as description,
        json_object(identifier, value, 'employee_ids', employee_ids, 'latest_net_pay_idr', net_pay_idr)::varchar
            as evidence
    from holders
    where len(employee_ids) > 1
),

missing_tax_id as (
    select
        'missing_tax_id' as control_code,
        employee_id,
        employee_id || ' has no tax id (NPWP or NIK) in the HR master but was paid in ' || n_payslips
            || ' payroll runs, the latest for ' || strftime(period, '%Y-%m')
            || '; obtain the tax id or confirm the person.' as description,
        json_object('n_payslips', n_payslips, 'latest_period', period,
                    'latest_net_pay_idr', net_pay_idr)::varchar as evidence
    from paid_employees
    where tax_id is null
),

unioned as (
    -- the employees each rule flags; their latest payslip (paid_employees) is added once, in final
    select * from shared_identifier
    union all
    select * from missing_tax_id
),

final as (
    select
        u.control_code || ':' || e.employee_id as finding_id,
        u.control_code,
        null::varchar as severity,
        'employee' as entity,
        e.employee_id as entity_key,
        e.period,
        e.department_id,
        e.net_pay_idr as amount_at_risk_idr,
        u.description,
        u.evidence
    from unioned u
    join paid_employees e using (employee_id)
)

select * from final order by control_code, entity_key
