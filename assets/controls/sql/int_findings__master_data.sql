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

shared_accounts as (
    select bank_account, list(employee_id order by employee_id) as employee_ids
    from paid_employees
    where bank_account is not null
    group by bank_account
    having count(*) > 1
),

shared_bank_account as (
    select
        'shared_bank_account' as control_code,
        e.employee_id,
        e.employee_id || ' is paid into bank account ' || s.bank_account || ', which is also the account of '
            || array_to_string(list_filter(s.employee_ids, lambda x: x <> e.employee_id), ', ')
            || '; confirm each person and their own account with HR.' as description,
        json_object('bank_account', s.bank_account, 'employee_ids', s.employee_ids,
                    'latest_net_pay_idr', e.net_pay_idr)::varchar as evidence
    from paid_employees e
    join shared_accounts s using (bank_account)
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

employee_tax_groups as (
    select tax_id, list(employee_id order by employee_id) as ids
    from paid_employees
    where tax_id is not null
    group by tax_id
    having count(*) > 1
),

duplicate_tax_id as (
    select
        'duplicate_tax_id' as control_code,
        e.employee_id,
        e.employee_id || ' has tax id ' || g.tax_id || ', the same as '
            || array_to_string(list_filter(g.ids, lambda x: x <> e.employee_id), ', ')
            || '; one person cannot hold two employee records: check for a ghost or a duplicate hire.'
            as description,
        json_object('tax_id', g.tax_id, 'employee_ids', g.ids, 'latest_net_pay_idr', e.net_pay_idr)::varchar
            as evidence
    from paid_employees e
    join employee_tax_groups g using (tax_id)
),

unioned as (
    -- the employees each rule flags; their latest payslip (paid_employees) is added once, in final
    select * from shared_bank_account
    union all
    select * from missing_tax_id
    union all
    select * from duplicate_tax_id
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
