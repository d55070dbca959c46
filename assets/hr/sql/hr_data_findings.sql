-- hr_data_findings: HR rows that passed their contracts but do not fit the employee history, each with a sentence saying what is wrong and what the KPIs did with it.
-- grain: one row per finding (finding_code and record_key)
-- schema: marts
--
-- Rules that a single row can break (termination before hire, allowed values, ...) are in the contracts and
-- go to quarantine. What is here needs other tables to see: attendance, leave or training for someone not
-- employed that day (or an unknown id), job events before the first hire (dim_employee cannot place them), job
-- events after a termination with no rehire in between (dim_employee keeps the person not employed), departments
-- and managers the masters do not know, grades without a pay band, people without a gender, and months with no
-- labour parameter in force for the HR KPIs that need one.
-- severity: error = the row is left out of the KPIs; warning = the KPIs still use it, a person should look.
-- column: finding_code: What is wrong with the record, as a code.
-- column: record_key: The record's key (employee, event, leave request, attendance day).
with attendance as (
    select * from core.fct_attendance_daily
),

leave as (
    select * from core.fct_leave
),

training as (
    select * from core.fct_training
),

requisitions as (
    select * from core.fct_requisition
),

departments as (
    select * from core.dim_department
),

employees as (
    select * from core.dim_employee
),

periods as (
    select * from core.dim_period
),

events as (
    select * from canonical.job_history
),

master as (
    select * from canonical.employees
),

pay_bands as (
    select * from canonical.pay_bands
),

labour_parameters as (
    select * from reference.labour_parameters
),

attendance_findings as (
    select
        case when is_known_employee then 'attendance_not_employed' else 'attendance_unknown_employee' end
            as finding_code,
        'error' as severity,
        'fct_attendance_daily' as entity,
        employee_id || '@' || strftime(attendance_date, '%Y-%m-%d') as record_key,
        employee_id,
        attendance_date as event_date,
        case when is_known_employee
            then format(
                'Attendance on {} (status {}) is for {}, who is not employed that day according to the job '
                || 'history; the row is left out of absenteeism, FTE and overtime. Correct the attendance '
                || 'export or the hire and termination events.',
                strftime(attendance_date, '%Y-%m-%d'), status, employee_id)
            else format(
                'Attendance on {} (status {}) names employee {}, who is in neither the employee master nor the '
                || 'job history; the row is left out of every KPI. Add the employee or fix the id.',
                strftime(attendance_date, '%Y-%m-%d'), status, employee_id)
        end as description
    from attendance
    where not is_employed_on_day
),

leave_findings as (
    select
        case when is_known_employee then 'leave_not_employed' else 'leave_unknown_employee' end,
        'warning',
        'fct_leave',
        leave_id,
        employee_id,
        start_date,
        case when is_known_employee
            then format(
                'Leave request {} ({}, starting {}) is for {}, who is not employed on that day according to the '
                || 'job history; it has no department. Check the dates or the employee''s events.',
                leave_id, leave_type, strftime(start_date, '%Y-%m-%d'), employee_id)
            else format(
                'Leave request {} names employee {}, who is in neither the employee master nor the job '
                || 'history. Add the employee or fix the id.',
                leave_id, employee_id)
        end
    from leave
    where not is_employed_on_start
),

training_findings as (
    select
        case when is_known_employee then 'training_not_employed' else 'training_unknown_employee' end,
        'error',
        'fct_training',
        training_id,
        employee_id,
        start_date,
        case when is_known_employee
            then format(
                'Training {} starting {} is for {}, who is not employed that day according to the job history; '
                || 'its hours and cost are left out of the training KPIs. Check the date or the employee''s events.',
                training_id, strftime(start_date, '%Y-%m-%d'), employee_id)
            else format(
                'Training {} names employee {}, who is in neither the employee master nor the job history; its '
                || 'hours and cost are left out of the training KPIs. Add the employee or fix the id.',
                training_id, employee_id)
        end
    from training
    where not is_employed_on_start
),

requisition_findings as (
    select
        'requisition_hired_employee_unknown', 'warning', 'fct_requisition', requisition_id, hired_employee_id,
        filled_date,
        format(
            'Requisition {} was filled by employee {}, who is in neither the employee master nor the job '
            || 'history; time to fill still counts it. Fix the hired employee id.',
            requisition_id, hired_employee_id)
    from requisitions
    where not is_hired_employee_known
    union all
    select
        'requisition_applied_after_offer', 'error', 'fct_requisition', requisition_id, hired_employee_id,
        first_candidate_applied_date,
        format(
            'Requisition {} has its first application on {}, after the offer was accepted on {}; it is left '
            || 'out of time to hire (time to fill still counts it). Correct one of the two dates.',
            requisition_id, strftime(first_candidate_applied_date, '%Y-%m-%d'),
            strftime(offer_accepted_date, '%Y-%m-%d'))
    from requisitions
    where first_candidate_applied_date > offer_accepted_date
),

first_hire as (
    select employee_id, min(event_date) filter (where event_type in ('hire', 'rehire')) as first_hire_date
    from events
    group by employee_id
),

event_findings as (
    select
        'job_event_before_first_hire', 'error', 'stg_hris__job_history', e.event_id, e.employee_id, e.event_date,
        case when f.first_hire_date is null
            then format(
                'Job event {} ({} on {}) is for {}, who has no hire event at all; the employee history ignores '
                || 'it, so the person is in no headcount. Add the hire event.',
                e.event_id, e.event_type, strftime(e.event_date, '%Y-%m-%d'), e.employee_id)
            else format(
                'Job event {} ({} on {}) is before {}''s first hire on {}; the employee history ignores it. '
                || 'Correct the event date or the hire date.',
                e.event_id, e.event_type, strftime(e.event_date, '%Y-%m-%d'), e.employee_id,
                strftime(f.first_hire_date, '%Y-%m-%d'))
        end
    from events e
    join first_hire f using (employee_id)
    where f.first_hire_date is null
        or e.event_date < f.first_hire_date
),

event_spells as (
    -- the events in the order and spells dim_employee reads them in
    select
        *,
        job_event_seq(employee_id, event_date, event_type, event_id) as event_seq,
        job_spell_no(employee_id, event_date, event_type, event_id) as spell_no
    from events
),

spell_ends as (
    -- the first termination of each spell: the last day employed
    select
        employee_id,
        spell_no,
        min(event_seq) filter (where event_type = 'termination') as termination_seq,
        arg_min(event_date, event_seq) filter (where event_type = 'termination') as termination_date,
        arg_min(event_id, event_seq) filter (where event_type = 'termination') as termination_event_id
    from event_spells
    where spell_no > 0
    group by employee_id, spell_no
),

after_termination_findings as (
    select
        'job_event_after_termination', 'error', 'stg_hris__job_history', e.event_id, e.employee_id, e.event_date,
        format(
            'Job event {} ({} on {}) is for {}, who left on {} (termination {}) and has no rehire in between; '
            || 'the event is {} day(s) after the last day employed and does not make the person employed again, '
            || 'so no headcount, FTE or retention counts {} from {} until a rehire. Record the rehire if the person '
            || 'came back, or correct the event or the termination.',
            e.event_id, e.event_type, strftime(e.event_date, '%Y-%m-%d'), e.employee_id,
            strftime(t.termination_date, '%Y-%m-%d'), t.termination_event_id,
            date_diff('day', t.termination_date, e.event_date), e.employee_id,
            strftime(t.termination_date + 1, '%Y-%m-%d'))
    from event_spells e
    join spell_ends t using (employee_id, spell_no)
    where e.event_seq > t.termination_seq
),

master_findings as (
    select
        'employee_not_in_master', 'warning', 'dim_employee', employee_id, employee_id, min(valid_from),
        format(
            'Employee {} has job history events but no row in the employee master; gender, birth date and PTKP '
            || 'status are unknown, so the pay-gap KPIs leave the person out. Add the employee to the master.',
            employee_id)
    from employees
    where employee_id not in (select employee_id from master)
    group by employee_id
    union all
    select
        'employee_without_gender', 'warning', 'stg_hris__employees', employee_id, employee_id, hire_date,
        format(
            'Employee {} has no gender in the employee master; the gender pay gap leaves the person out. Fill '
            || 'in the gender.', employee_id)
    from master
    where gender is null
),

department_findings as (
    select
        'department_not_in_master', 'warning', 'dim_department', department_id, null, null,
        format(
            'Department {} is named in the employee history but missing from the departments master; it '
            || 'has no name, cost centre or parent. Add it to the departments export.', department_id)
    from departments
    where not is_in_master
    union all
    select
        'department_broken_parent', 'warning', 'dim_department', department_id, null, null,
        format(
            'Department {} cannot be placed in the hierarchy: going up from it, parent {} is missing or the '
            || 'chain loops back ({}). Fix parent_department_id in the departments export.',
            department_id, parent_department_id, path)
    from departments
    where has_broken_parent
),

manager_findings as (
    select
        'manager_unknown', 'warning', 'dim_employee', employee_id || '>' || manager_id, employee_id,
        min(valid_from),
        format(
            'Employee {} reports to manager {}, who is in neither the employee master nor the job history; span '
            || 'of control counts the manager in the employee''s own department. Fix manager_id.',
            employee_id, manager_id)
    from employees
    where is_employed and manager_id is not null and manager_id not in (select k.employee_id from employees k)
    group by employee_id, manager_id
),

at_period_end as (
    select p.period, p.period_end, e.employee_id, e.grade
    from periods p
    join employees e on is_employed_on(p.period_end, e.is_employed, e.valid_from, e.valid_to)
    where e.termination_date is null or e.termination_date > p.period_end
),

band_findings as (
    select
        'grade_without_pay_band', 'warning', 'dim_employee',
        a.employee_id || '@' || strftime(a.period, '%Y-%m'), a.employee_id, a.period_end,
        format(
            'Employee {} is in grade {} on {}, and no pay band for that grade is in force that day; the '
            || 'compa-ratio leaves the person out. Add the band or fix the grade.',
            a.employee_id, coalesce(a.grade, '(none)'), strftime(a.period_end, '%Y-%m-%d'))
    from at_period_end a
    anti join pay_bands b on b.grade = a.grade and is_in_force(a.period_end, b.effective_from, b.effective_to)
),

needed_parameters as (
    -- the labour parameters the HR KPIs read: normal hours a day (FTE) and the hourly divisor (pay gap)
    select p.period, p.period_end, x.parameter
    from periods p
    cross join (
        select 'normal_hours_day_' || getvariable('work_week_days') || 'day_week' as parameter
        union all
        select 'overtime_hourly_divisor'
    ) x
),

reference_findings as (
    select
        'reference_parameter_missing', 'error', 'labour_parameters',
        n.parameter || '@' || strftime(n.period, '%Y-%m'), null, n.period_end,
        format(
            'No {} is in force on {} in the labour parameters of this country profile; the HR KPIs that need '
            || 'it (FTE, gender pay gap) are null for that month. Add the row to labour_parameters.csv.',
            n.parameter, strftime(n.period_end, '%Y-%m-%d'))
    from needed_parameters n
    anti join labour_parameters lp
        on lp.parameter = n.parameter and is_in_force(n.period_end, lp.effective_from, lp.effective_to)
),

unioned as (
    select * from attendance_findings
    union all
    select * from leave_findings
    union all
    select * from training_findings
    union all
    select * from requisition_findings
    union all
    select * from event_findings
    union all
    select * from after_termination_findings
    union all
    select * from master_findings
    union all
    select * from department_findings
    union all
    select * from manager_findings
    union all
    select * from band_findings
    union all
    select * from reference_findings
),

final as (
    select
        finding_code,
        severity,
        entity,
        record_key,
        employee_id,
        event_date,
        date_trunc('month', event_date)::date as period,
        description
    from unioned
)

select * from final order by finding_code, record_key
