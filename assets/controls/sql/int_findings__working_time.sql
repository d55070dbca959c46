-- int_findings__working_time: Approved overtime above the legal daily and weekly maximum on working days.
-- grain: one row per finding (employee and day for the daily limit, employee and week for the weekly limit)
-- schema: core
--
-- Rule (docs/payroll_rules.md section 2.6; PP 35/2021 Pasal 26): at most overtime_max_hours_day a day and
-- overtime_max_hours_week a week (reference.labour_parameters in force that day). Overtime on weekly rest days and
-- public holidays of the company calendar (core.fct_attendance_daily.is_working_day) does not count toward either
-- limit. A week runs Monday to Sunday; its limit is the one in force on the Monday; its period is the Monday's
-- month. Rows of days outside the calendar (reporting window) are not judged.
with attendance as (
    select * from core.fct_attendance_daily
),

labour_parameters as (
    select * from reference.labour_parameters
),

limits as (
    select
        parameter,
        value::double as max_hours,
        effective_from,
        effective_to
    from labour_parameters
    where parameter in ('overtime_max_hours_day', 'overtime_max_hours_week')
),

workday_overtime as (
    select employee_id, attendance_date, department_id, hours_overtime
    from attendance
    where is_working_day and hours_overtime > 0
),

daily as (
    select
        'overtime_daily_limit:' || o.employee_id || ':' || strftime(o.attendance_date, '%Y-%m-%d') as finding_id,
        'overtime_daily_limit' as control_code,
        null::varchar as severity,
        'employee' as entity,
        o.employee_id as entity_key,
        date_trunc('month', o.attendance_date)::date as period,
        o.department_id,
        null::bigint as amount_at_risk_idr,
        o.employee_id || ' had ' || format('{:.1f}', o.hours_overtime) || ' h of overtime approved on working day '
            || strftime(o.attendance_date, '%Y-%m-%d') || ', above the legal maximum of '
            || format('{:g}', l.max_hours) || ' h a day; review the overtime order.' as description,
        json_object('attendance_date', o.attendance_date, 'hours_overtime', o.hours_overtime,
                    'max_hours_day', l.max_hours)::varchar as evidence
    from workday_overtime o
    join limits l
        on l.parameter = 'overtime_max_hours_day'
        and is_in_force(o.attendance_date, l.effective_from, l.effective_to)
    where o.hours_overtime > l.max_hours
),

weeks as (
    select
        employee_id,
        date_trunc('week', attendance_date)::date as week_start,
        sum(hours_overtime) as hours_overtime,
        count(*) as n_overtime_days,
        list({'date': attendance_date, 'hours': hours_overtime} order by attendance_date) as days,
        arg_max(department_id, attendance_date) as department_id
    from workday_overtime
    group by employee_id, date_trunc('week', attendance_date)
),

weekly as (
    select
        'overtime_weekly_limit:' || w.employee_id || ':' || strftime(w.week_start, '%Y-%m-%d') as finding_id,
        'overtime_weekly_limit' as control_code,
        null::varchar as severity,
        'employee' as entity,
        w.employee_id as entity_key,
        date_trunc('month', w.week_start)::date as period,
        w.department_id,
        null::bigint as amount_at_risk_idr,
        w.employee_id || ' had ' || format('{:.1f}', w.hours_overtime) || ' h of working-day overtime in the week of '
            || strftime(w.week_start, '%Y-%m-%d') || ' (' || w.n_overtime_days || ' days), above the legal maximum of '
            || format('{:g}', l.max_hours) || ' h a week; review the overtime orders.' as description,
        json_object('week_start', w.week_start, 'hours_overtime', w.hours_overtime, 'days', w.days,
                    'max_hours_week', l.max_hours)::varchar as evidence
    from weeks w
    join limits l
        on l.parameter = 'overtime_max_hours_week'
        and is_in_force(w.week_start, l.effective_from, l.effective_to)
    where w.hours_overtime > l.max_hours
),

final as (
    -- each rule already selects the findings columns (runner.FINDINGS_COLUMNS), in order
    select * from daily
    union all
    select * from weekly
)

select * from final order by control_code, entity_key, period
