-- int_findings__payroll_register: Payroll-register exceptions: pay after the last day employed, and basic pay for a month with no attendance and no approved leave.
-- grain: one row per finding (control_code, employee, payroll run)
-- schema: core
--
-- Rules (docs/audit_tests.md section 3, tests 1 and 2; thresholds from core.control_parameters):
--   paid_after_termination   a payslip whose period starts more than paid_after_termination_grace_days after
--                            the last day employed of the employee's latest spell, with no employment on any
--                            day of the period (a rehire is employment). Pay before the first hire is an HR
--                            data finding, not this control.
--   paid_without_attendance  basic pay for a month in which the employee was employed on at least one working
--                            day of the calendar, has at most paid_without_attendance_max_recorded_share of
--                            those days in the attendance export (any status: present, absent, on leave) and no
--                            approved leave overlapping the month. Months the attendance export does not cover
--                            at all (company-wide) are not judged.
with payslips as (
    select * from core.fct_payslip
),

employees as (
    select * from core.dim_employee
),

attendance as (
    select * from core.fct_attendance_daily
),

leave as (
    select * from core.fct_leave
),

days as (
    select * from core.dim_date
),

params as (
    select * from core.control_parameters
),

employment as (
    select employee_id, valid_from, valid_to, department_id, termination_date
    from employees
    where is_employed
),

payslip_employment as (
    -- each payslip with the employment records covering a day of its period
    select p.run_id, p.employee_id, p.period, e.valid_from, e.valid_to
    from payslips p
    join employment e on e.employee_id = p.employee_id and overlaps_month(e.valid_from, e.valid_to, p.period)
),

last_day_before as (
    -- the latest last-day-employed before the period (termination_date is the last day employed)
    select
        p.run_id,
        p.employee_id,
        max(e.termination_date) as termination_date
    from payslips p
    join employees e on e.employee_id = p.employee_id and e.termination_date < p.period
    group by p.run_id, p.employee_id
),

after_termination as (
    select
        'paid_after_termination' as control_code,
        p.run_id,
        p.employee_id,
        p.net_pay_idr::bigint as amount_at_risk_idr,
        p.employee_id || ' left on ' || strftime(t.termination_date, '%Y-%m-%d') || ' but was paid '
            || money_text(p.gross_idr::bigint) || ' gross (' || money_text(p.net_pay_idr::bigint)
            || ' net) in payroll run ' || p.run_id || ' for ' || strftime(p.period, '%Y-%m')
            || '; stop the payment and recover it, or record the rehire.' as description,
        json_object(
            'run_id', p.run_id, 'pay_date', p.pay_date, 'last_day_employed', t.termination_date,
            'days_after_last_day', date_diff('day', t.termination_date, p.period),
            'gross_idr', p.gross_idr, 'basic_idr', p.basic_idr, 'net_pay_idr', p.net_pay_idr,
            'grace_days', params.paid_after_termination_grace_days
        )::varchar as evidence
    from payslips p
    join last_day_before t using (run_id, employee_id)
    cross join params
    anti join payslip_employment using (run_id, employee_id)
    where p.period > t.termination_date + params.paid_after_termination_grace_days
),

covered_periods as (
    -- months the attendance export covers at all
    select distinct period from attendance
),

working_days_employed as (
    select
        e.run_id,
        e.employee_id,
        days_in_month_count(d.date_day) as n_working_days
    from payslip_employment e
    join days d
        on d.period = e.period
        and d.is_working_day
        and d.date_day between e.valid_from and e.valid_to
    group by e.run_id, e.employee_id
),

recorded_days as (
    select employee_id, period, days_in_month_count(attendance_date) as n_recorded_days
    from attendance
    group by employee_id, period
),

approved_leave as (
    select p.run_id, p.employee_id, count(*) as n_approved_leave
    from payslips p
    join leave l
        on l.employee_id = p.employee_id
        and l.is_approved
        and overlaps_month(l.start_date, l.end_date, p.period)
    group by p.run_id, p.employee_id
),

without_attendance as (
    select
        'paid_without_attendance' as control_code,
        p.run_id,
        p.employee_id,
        p.gross_idr::bigint as amount_at_risk_idr,
        p.employee_id || ' was paid ' || money_text(p.basic_idr::bigint) || ' basic salary in run '
            || p.run_id || ' for ' || strftime(p.period, '%Y-%m') || ' with ' || coalesce(r.n_recorded_days, 0)
            || ' attendance records for ' || w.n_working_days
            || ' working days employed and no approved leave; confirm the person exists and worked.'
            as description,
        json_object(
            'run_id', p.run_id, 'n_working_days_employed', w.n_working_days,
            'n_attendance_records', coalesce(r.n_recorded_days, 0), 'n_approved_leave_requests', 0,
            'basic_idr', p.basic_idr, 'gross_idr', p.gross_idr, 'net_pay_idr', p.net_pay_idr,
            'max_recorded_share', params.paid_without_attendance_max_recorded_share
        )::varchar as evidence
    from payslips p
    join working_days_employed w using (run_id, employee_id)
    join covered_periods c on c.period = p.period
    left join recorded_days r on r.employee_id = p.employee_id and r.period = p.period
    left join approved_leave l using (run_id, employee_id)
    cross join params
    where p.basic_idr > 0
        and w.n_working_days > 0
        and coalesce(l.n_approved_leave, 0) = 0
        and coalesce(r.n_recorded_days, 0) <= params.paid_without_attendance_max_recorded_share * w.n_working_days
),

unioned as (
    -- the payslips each rule flags; the payslip itself gives every finding its period and department
    select * from after_termination
    union all
    select * from without_attendance
),

final as (
    select
        u.control_code || ':' || p.employee_id || ':' || p.run_id as finding_id,
        u.control_code,
        null::varchar as severity,
        'employee' as entity,
        p.employee_id as entity_key,
        p.period,
        p.department_id,
        u.amount_at_risk_idr,
        u.description,
        u.evidence
    from unioned u
    join payslips p using (run_id, employee_id)
)

select * from final order by control_code, period, entity_key
