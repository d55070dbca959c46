-- int_findings__contracts: Fixed-term (PKWT) contracts longer than the legal maximum, and expired PKWT contracts of people still employed.
-- grain: one row per finding (employee spell for pkwt_max_duration, employee and contract end for pkwt_expired_active)
-- schema: core
--
-- Rules (docs/payroll_rules.md section 2.9; PP 35/2021 Pasal 8, MK 168/PUU-XXI/2023):
--   pkwt_max_duration    within one employment spell, from the first day on PKWT to the latest contract end date
--                        agreed on a PKWT record (renewals included) is pkwt_max_years or more, as in force on the
--                        day that end date was agreed (reference.labour_parameters): the end date is on or after
--                        the first day + pkwt_max_years. Judged when that end date falls in or after the
--                        reporting window. period = month of the record that agreed the latest end date.
--   pkwt_expired_active  an employed PKWT record whose contract end date + pkwt_expired_grace_days is before the
--                        record's last day (capped at the end of the data, core.reporting_window.end_date), and a
--                        payslip for a later month: the person stayed and was paid without a renewal, a conversion
--                        to PKWTT or a termination (a record the HR history keeps open although payroll stopped is
--                        an HR data question, not this one). period = the month after the end date.
with employees as (
    select * from core.dim_employee
),

payslips as (
    select * from core.fct_payslip
),

window_ as (
    select * from core.reporting_window
),

labour_parameters as (
    select * from reference.labour_parameters
),

params as (
    select * from core.control_parameters
),

pkwt_records as (
    select *
    from employees
    where is_employed and employment_type = 'PKWT'
),

chains as (
    select
        employee_id,
        spell_no,
        min(valid_from) as first_pkwt_day,
        max(contract_end_date) as last_end_date,
        arg_max(valid_from, contract_end_date) as agreed_on,
        arg_max(department_id, valid_from) as department_id,
        count(distinct contract_end_date) as n_contract_terms
    from pkwt_records
    group by employee_id, spell_no
),

chain_limits as (
    select c.*, l.value::double as max_years
    from chains c
    join labour_parameters l
        on l.parameter = 'pkwt_max_years'
        and is_in_force(c.agreed_on, l.effective_from, l.effective_to)
),

too_long as (
    select
        'pkwt_max_duration:' || c.employee_id || ':' || c.spell_no as finding_id,
        'pkwt_max_duration' as control_code,
        null::varchar as severity,
        'employee' as entity,
        c.employee_id as entity_key,
        date_trunc('month', c.agreed_on)::date as period,
        c.department_id,
        null::bigint as amount_at_risk_idr,
        c.employee_id || ' has been on fixed-term (PKWT) contracts since ' || strftime(c.first_pkwt_day, '%Y-%m-%d')
            || ', agreed on ' || strftime(c.agreed_on, '%Y-%m-%d') || ' to run until '
            || strftime(c.last_end_date, '%Y-%m-%d') || ': '
            || format('{:.1f}', date_diff('day', c.first_pkwt_day, c.last_end_date + 1) / 365.25)
            || ' years, beyond the legal maximum of ' || format('{:g}', c.max_years)
            || ' years; convert the employment to PKWTT or end it.' as description,
        json_object('first_pkwt_day', c.first_pkwt_day, 'last_contract_end_date', c.last_end_date,
                    'agreed_on', c.agreed_on, 'n_contract_terms', c.n_contract_terms,
                    'max_years', c.max_years)::varchar as evidence
    from chain_limits c
    cross join window_ w
    where c.last_end_date >= c.first_pkwt_day + to_months((c.max_years * 12)::integer)
        and c.last_end_date >= w.start_date
),

expired as (
    select
        'pkwt_expired_active:' || r.employee_id || ':' || strftime(r.contract_end_date, '%Y%m%d') as finding_id,
        'pkwt_expired_active' as control_code,
        null::varchar as severity,
        'employee' as entity,
        r.employee_id as entity_key,
        date_trunc('month', r.contract_end_date + 1)::date as period,
        r.department_id,
        null::bigint as amount_at_risk_idr,
        r.employee_id || '''s fixed-term (PKWT) contract ended on ' || strftime(r.contract_end_date, '%Y-%m-%d')
            || ' but the employee is still employed on it on ' || strftime(least(r.valid_to, w.end_date), '%Y-%m-%d')
            || ' (' || date_diff('day', r.contract_end_date, least(r.valid_to, w.end_date))
            || ' days later) with no renewal, conversion or termination; regularise the contract.' as description,
        json_object('contract_end_date', r.contract_end_date, 'record_from', r.valid_from,
                    'still_employed_on', least(r.valid_to, w.end_date), 'n_payslips_after_end', count(*) over (
                        partition by r.employee_id, r.contract_end_date, r.valid_from),
                    'grace_days', p.pkwt_expired_grace_days)::varchar as evidence
    from pkwt_records r
    cross join window_ w
    cross join params p
    join payslips s
        on s.employee_id = r.employee_id
        and s.period > r.contract_end_date + p.pkwt_expired_grace_days
        and s.period <= least(r.valid_to, w.end_date)
    where r.contract_end_date is not null
        and r.contract_end_date + p.pkwt_expired_grace_days < least(r.valid_to, w.end_date)
        and least(r.valid_to, w.end_date) >= w.start_date
    qualify row_number() over (partition by r.employee_id, r.contract_end_date order by r.valid_from desc) = 1
),

final as (
    -- each rule already selects the findings columns (runner.FINDINGS_COLUMNS), in order
    select * from too_long
    union all
    select * from expired
)

select * from final order by control_code, entity_key
