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

windows as (
    -- the two limits: on the overtime of a day, and of a week (Monday to Sunday)
    select * from (values
        ('day', 'overtime_daily_limit', 'overtime_max_hours_day'),
        ('week', 'overtime_weekly_limit', 'overtime_max_hours_week')
    ) t (unit, control_code, parameter)
),

limits as (
    select
        parameter,
        value::double as max_hours,
        effective_from,
        effective_to
    from labour_parameters
    where parameter in (select w.parameter from windows w)
),

workday_overtime as (
    select employee_id, attendance_date, department_id, hours_overtime
    from attendance
    where is_working_day and hours_overtime > 0
),

overtime_windows as (
    -- each day's working-day overtime in its two windows: the day, and the week from its Monday; a window's period
    -- is the month it starts in (here, before the sums, so that a rebuild of some months sums only theirs)
    select
        w.unit,
        w.control_code,
        w.parameter,
        o.employee_id,
        o.attendance_date,
        o.department_id,
        o.hours_overtime,
        date_trunc(w.unit, o.attendance_date)::date as window_start,
        date_trunc('month', date_trunc(w.unit, o.attendance_date))::date as period
    from workday_overtime o
    cross join windows w
),

totals as (
    -- each employee's working-day overtime by window: each day (the day's own row) and each week from its Monday
    select
        unit,
        control_code,
        parameter,
        employee_id,
        window_start,
        period,
        sum(hours_overtime) as hours_overtime,
        count(*) as n_overtime_days
    from overtime_windows
    group by unit, control_code, parameter, employee_id, window_start, period
),

over_limit as (
    select
        t.*,
        l.max_hours
    from totals t
    join limits l
        on l.parameter = t.parameter
        and is_in_force(t.window_start, l.effective_from, l.effective_to)
    where t.hours_overtime > l.max_hours
),

window_days as (
    -- the days and the last department of the windows over a limit only (listing every window's days cost most of
    -- the model's time)
    select
        o.unit,
        o.employee_id,
        o.window_start,
        list({'date': o.attendance_date, 'hours': o.hours_overtime} order by o.attendance_date) as days,
        arg_max(o.department_id, o.attendance_date) as department_id
    from overtime_windows o
    join (select distinct unit, employee_id, window_start from over_limit) x using (unit, employee_id, window_start)
    group by o.unit, o.employee_id, o.window_start
),

final as (
    select
        t.control_code || ':' || t.employee_id || ':' || strftime(t.window_start, '%Y-%m-%d') as finding_id,
        t.control_code,
        null::varchar as severity,
        'employee' as entity,
        t.employee_id as entity_key,
        t.period,
        d.department_id,
        null::bigint as amount_at_risk_idr,
        t.employee_id || ' had ' || format('{:.1f}', t.hours_overtime) || ' h of '
            || case t.unit
                when 'day' then 'overtime approved on working day ' || strftime(t.window_start, '%Y-%m-%d')
                else 'working-day overtime in the week of ' || strftime(t.window_start, '%Y-%m-%d')
                    || ' (' || t.n_overtime_days || ' days)'
            end
            || ', above the legal maximum of ' || format('{:g}', t.max_hours) || ' h a ' || t.unit
            || '; review the overtime ' || case t.unit when 'day' then 'order.' else 'orders.' end as description,
        case t.unit
            when 'day' then json_object('attendance_date', t.window_start, 'hours_overtime', t.hours_overtime,
                                        'max_hours_day', t.max_hours)
            else json_object('week_start', t.window_start, 'hours_overtime', t.hours_overtime, 'days', d.days,
                             'max_hours_week', t.max_hours)
        end::varchar as evidence
    from over_limit t
    join window_days d using (unit, employee_id, window_start)
)

select * from final order by control_code, entity_key, period
