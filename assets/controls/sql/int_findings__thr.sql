-- int_findings__thr: THR (religious-holiday allowance) paid after the H-7 deadline or not at all, and THR below the entitlement.
-- grain: one row per finding (control_code, employee and THR holiday)
-- schema: core
--
-- Rules (docs/payroll_rules.md section 2.7; Permenaker 6/2016), every legal value from reference.* in force on the
-- holiday: the holiday is the reference.holidays row marked is_thr_reference; deadline = holiday -
-- thr_deadline_days_before_holiday. A holiday is judged when the payroll data starts at least
-- thr_payment_window_days before the deadline and has a run paid on or after the deadline.
--   entitled     employed on the deadline with at least thr_min_service_months completed months of service (from
--                the hire date of the spell) on the holiday, and on the payroll (a payslip paid in the window
--                below); someone the HR history keeps employed but payroll stopped paying is an HR data question
--   paid         THR on payslips paid in (deadline - thr_payment_window_days, deadline + thr_payment_window_days];
--                on time when paid on or before the deadline
--   thr_late     entitled and nothing paid on time: paid late (period = the first late run) or not at all
--   thr_short    entitled, something paid, and the total below entitlement - thr_short_tolerance_idr, where
--                entitlement = round_half_up(wage x min(months, thr_full_service_months) / thr_full_service_months)
--                and wage = basic salary + fixed allowance of the salary record in force on the company's THR run
--                (the last run with THR paid by the deadline; the deadline itself when there is none)
with payslips as (
    select * from core.fct_payslip
),

employees as (
    select * from core.dim_employee
),

holidays as (
    select * from reference.holidays
),

labour_parameters as (
    select * from reference.labour_parameters
),

params as (
    select * from core.control_parameters
),

coverage as (
    select min(period) as first_period, max(pay_date) as last_pay_date from payslips
),

thr_holidays as (
    select
        h.holiday_date,
        h.holiday_name,
        max(l.value::integer) filter (where l.parameter = 'thr_deadline_days_before_holiday') as deadline_days,
        max(l.value::integer) filter (where l.parameter = 'thr_min_service_months') as min_service_months,
        max(l.value::integer) filter (where l.parameter = 'thr_full_service_months') as full_service_months
    from holidays h
    join labour_parameters l
        on is_in_force(h.holiday_date, l.effective_from, l.effective_to)
        and l.parameter in ('thr_deadline_days_before_holiday', 'thr_min_service_months', 'thr_full_service_months')
    where h.is_thr_reference
    group by h.holiday_date, h.holiday_name
),

judged_holidays as (
    select
        h.*,
        h.holiday_date - h.deadline_days as deadline,
        p.thr_payment_window_days as window_days
    from thr_holidays h
    cross join coverage c
    cross join params p
    where c.first_period <= h.holiday_date - h.deadline_days - p.thr_payment_window_days
        and c.last_pay_date >= h.holiday_date - h.deadline_days
),

thr_runs as (
    select
        h.holiday_date,
        max(s.pay_date) as thr_run_pay_date
    from judged_holidays h
    join payslips s
        on s.pay_date > h.deadline - h.window_days
        and s.pay_date <= h.deadline
        and s.thr_idr > 0
    group by h.holiday_date
),

entitled as (
    select
        h.holiday_date,
        h.holiday_name,
        h.deadline,
        h.window_days,
        h.min_service_months,
        h.full_service_months,
        coalesce(r.thr_run_pay_date, h.deadline) as wage_date,
        e.employee_id,
        e.hire_date,
        e.department_id,
        date_diff('month', e.hire_date, h.holiday_date)
            - case when day(h.holiday_date) < day(e.hire_date) then 1 else 0 end as months_of_service
    from judged_holidays h
    left join thr_runs r using (holiday_date)
    join employees e on e.is_employed and h.deadline between e.valid_from and e.valid_to
),

with_wage as (
    select
        n.*,
        coalesce(w.base_salary_idr + coalesce(w.fixed_allowance_idr, 0),
                 d.base_salary_idr + coalesce(d.fixed_allowance_idr, 0)) as wage_idr
    from entitled n
    left join employees w
        on w.employee_id = n.employee_id and w.is_employed and n.wage_date between w.valid_from and w.valid_to
    left join employees d
        on d.employee_id = n.employee_id and d.is_employed and n.deadline between d.valid_from and d.valid_to
    where n.months_of_service >= n.min_service_months
),

paid as (
    select
        w.employee_id,
        w.holiday_date,
        coalesce(sum(s.thr_idr) filter (where s.pay_date <= w.deadline), 0)::bigint as on_time_idr,
        coalesce(sum(s.thr_idr) filter (where s.pay_date > w.deadline), 0)::bigint as late_idr,
        min(s.pay_date) filter (where s.pay_date > w.deadline and s.thr_idr > 0) as first_late_pay_date,
        arg_min(s.run_id, s.pay_date) filter (where s.pay_date > w.deadline and s.thr_idr > 0) as first_late_run_id,
        count(s.run_id) as n_payslips
    from with_wage w
    left join payslips s
        on s.employee_id = w.employee_id
        and s.pay_date > w.deadline - w.window_days
        and s.pay_date <= w.deadline + w.window_days
    group by w.employee_id, w.holiday_date
),

assessed as (
    select
        w.*,
        p.on_time_idr,
        p.late_idr,
        p.first_late_pay_date,
        p.first_late_run_id,
        ((2 * w.wage_idr::hugeint * least(w.months_of_service, w.full_service_months) + w.full_service_months)
            // (2 * w.full_service_months))::bigint as entitlement_idr
    from with_wage w
    join paid p using (employee_id, holiday_date)
    where p.n_payslips > 0
),

late as (
    select
        'thr_late' as control_code,
        employee_id,
        holiday_date,
        coalesce(date_trunc('month', first_late_pay_date), date_trunc('month', deadline))::date as period,
        department_id,
        case when late_idr > 0 then late_idr else entitlement_idr end as amount_at_risk_idr,
        employee_id || ' received no THR by the deadline ' || strftime(deadline, '%Y-%m-%d') || ' for '
            || holiday_name || ' on ' || strftime(holiday_date, '%Y-%m-%d') || ': '
            || case when late_idr > 0
                then money_text(late_idr) || ' was paid late in run ' || first_late_run_id || ' on '
                    || strftime(first_late_pay_date, '%Y-%m-%d')
                    || '; pay the late-payment fine and pay THR by the deadline in future.'
                else 'nothing was paid (entitlement ' || money_text(entitlement_idr)
                    || '); pay it with the late-payment fine.'
            end as description,
        json_object('holiday_date', holiday_date, 'deadline', deadline, 'hire_date', hire_date,
                    'months_of_service', months_of_service, 'entitlement_idr', entitlement_idr,
                    'paid_on_time_idr', on_time_idr, 'paid_late_idr', late_idr,
                    'first_late_run_id', first_late_run_id, 'first_late_pay_date', first_late_pay_date)::varchar
            as evidence
    from assessed
    where on_time_idr = 0
),

short as (
    select
        'thr_short' as control_code,
        a.employee_id,
        a.holiday_date,
        date_trunc('month', a.wage_date)::date as period,
        a.department_id,
        a.entitlement_idr - a.on_time_idr - a.late_idr as amount_at_risk_idr,
        a.employee_id || ' was paid ' || money_text(a.on_time_idr + a.late_idr) || ' THR for '
            || a.holiday_name || ' on ' || strftime(a.holiday_date, '%Y-%m-%d') || ' against an entitlement of '
            || money_text(a.entitlement_idr) || ' (' || least(a.months_of_service, a.full_service_months)
            || '/' || a.full_service_months || ' of the monthly wage ' || money_text(a.wage_idr)
            || '); pay the shortfall of ' || money_text(a.entitlement_idr - a.on_time_idr - a.late_idr)
            || '.' as description,
        json_object('holiday_date', a.holiday_date, 'deadline', a.deadline, 'wage_date', a.wage_date,
                    'wage_idr', a.wage_idr, 'months_of_service', a.months_of_service,
                    'entitlement_idr', a.entitlement_idr, 'paid_on_time_idr', a.on_time_idr,
                    'paid_late_idr', a.late_idr)::varchar as evidence
    from assessed a
    cross join params p
    where a.on_time_idr + a.late_idr > 0
        and a.on_time_idr + a.late_idr < a.entitlement_idr - p.thr_short_tolerance_idr
),

unioned as (
    select * from late
    union all
    select * from short
),

final as (
    select
        control_code || ':' || employee_id || ':' || strftime(holiday_date, '%Y-%m-%d') as finding_id,
        control_code,
        null::varchar as severity,
        'employee' as entity,
        employee_id as entity_key,
        period,
        department_id,
        amount_at_risk_idr,
        description,
        evidence
    from unioned
)

select * from final order by control_code, entity_key
