-- int_findings__annual_leave: Employees entitled to annual leave whose requests were refused and who were granted none in the lookback window.
-- grain: one row per finding (employee)
-- schema: core
--
-- Rule (docs/payroll_rules.md section 2.9; UU 6/2023 Pasal 79(3)): the window is the last
-- annual_leave_lookback_months months of the data (to core.reporting_window.end_date, not before its start).
-- An employee is judged when one employment spell covers the whole window and had at least
-- annual_leave_min_service_months of service (reference.labour_parameters) on its first day. A finding when the
-- employee's annual-leave requests starting in the window were rejected at least
-- annual_leave_min_rejected_requests times and no annual leave was approved: the worker asked and was given
-- nothing for a year against an entitlement of annual_leave_days (in the evidence). Someone who never asked is
-- not listed (the data cannot tell a refusal from a choice).
with leave as (
    select * from core.fct_leave
),

employees as (
    select * from core.dim_employee
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

lookback as (
    select
        greatest(w.start_date, (w.end_date + 1 - to_months(p.annual_leave_lookback_months))::date) as start_date,
        w.end_date
    from window_ w
    cross join params p
),

rules as (
    select
        max(l.value::double) filter (where l.parameter = 'annual_leave_min_service_months') as min_service_months,
        max(l.value::double) filter (where l.parameter = 'annual_leave_days') as annual_leave_days
    from labour_parameters l
    cross join lookback b
    where is_in_force(b.start_date, l.effective_from, l.effective_to)
),

spells as (
    select
        employee_id,
        spell_no,
        min(hire_date) as hire_date,
        min(valid_from) filter (where is_employed) as first_day,
        max(valid_to) filter (where is_employed) as last_day,
        arg_max(department_id, valid_from) filter (where is_employed) as department_id
    from employees
    group by employee_id, spell_no
),

eligible as (
    select s.*
    from spells s
    cross join lookback b
    cross join rules r
    where s.first_day <= b.start_date
        and s.last_day >= b.end_date
        and s.hire_date + to_months(r.min_service_months::integer) <= b.start_date
),

requests as (
    select
        l.employee_id,
        count(*) filter (where l.is_approved) as n_approved,
        coalesce(sum(l.days_requested) filter (where l.is_approved), 0) as days_approved,
        count(*) filter (where not l.is_approved) as n_rejected,
        coalesce(sum(l.days_requested) filter (where not l.is_approved), 0) as days_rejected,
        list(strftime(l.start_date, '%Y-%m-%d') order by l.start_date) filter (where not l.is_approved)
            as rejected_starts
    from leave l
    cross join lookback b
    where l.leave_type = 'annual' and l.start_date between b.start_date and b.end_date
    group by l.employee_id
),

final as (
    select
        'annual_leave_not_granted:' || e.employee_id || ':' || strftime(b.end_date, '%Y-%m') as finding_id,
        'annual_leave_not_granted' as control_code,
        null::varchar as severity,
        'employee' as entity,
        e.employee_id as entity_key,
        date_trunc('month', b.end_date)::date as period,
        e.department_id,
        null::bigint as amount_at_risk_idr,
        e.employee_id || ' (employed since ' || strftime(e.hire_date, '%Y-%m-%d') || ') had ' || q.n_rejected
            || ' annual-leave requests (' || format('{:g}', q.days_rejected) || ' days) refused between '
            || strftime(b.start_date, '%Y-%m-%d') || ' and ' || strftime(b.end_date, '%Y-%m-%d')
            || ' and no annual leave granted, against an entitlement of ' || format('{:g}', r.annual_leave_days)
            || ' days a year; schedule the leave with the employee.' as description,
        json_object('hire_date', e.hire_date, 'window_start', b.start_date, 'window_end', b.end_date,
                    'n_rejected_requests', q.n_rejected, 'days_rejected', q.days_rejected,
                    'rejected_request_starts', q.rejected_starts, 'days_approved', q.days_approved,
                    'annual_leave_days', r.annual_leave_days)::varchar as evidence
    from eligible e
    join requests q using (employee_id)
    cross join lookback b
    cross join rules r
    cross join params p
    where q.n_approved = 0 and q.n_rejected >= p.annual_leave_min_rejected_requests
)

select * from final order by entity_key
