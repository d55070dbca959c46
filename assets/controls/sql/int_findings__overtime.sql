-- int_findings__overtime: Employees whose monthly overtime hours stand far above their department's that month.
-- grain: one row per finding (employee and month)
-- schema: core
--
-- Rule (docs/audit_tests.md section 3, test 16): hours = approved overtime in the month (working and rest days).
-- Each employee is compared with the OTHER employees of the department that month (leave-one-out, so one extreme
-- value cannot hide itself by inflating the standard deviation): z = (hours - mean_others) / sd_others. An
-- outlier has z > overtime_outlier_z (or sd_others = 0 and more hours than all others) and at least
-- overtime_outlier_min_hours, so a single busy month in a department that hardly works overtime is not listed.
-- A department with fewer than three employees that month is compared with the whole company instead.
-- amount_at_risk_idr is the overtime pay of that month's payslips.
with attendance as (
    select * from core.fct_attendance_daily
),

payslips as (
    select * from core.fct_payslip
),

params as (
    select * from core.control_parameters
),

monthly as (
    select
        employee_id,
        period,
        coalesce(arg_max(department_id, attendance_date) filter (where department_id is not null), '(none)')
            as department_id,
        sum(hours_overtime) as hours_overtime,
        count(*) filter (where hours_overtime > 0) as n_overtime_days
    from attendance
    group by employee_id, period
),

with_groups as (
    select
        *,
        count(*) over dept as n_dept,
        sum(hours_overtime) over dept as sum_dept,
        sum(hours_overtime * hours_overtime) over dept as sumsq_dept,
        count(*) over company as n_company,
        sum(hours_overtime) over company as sum_company,
        sum(hours_overtime * hours_overtime) over company as sumsq_company
    from monthly
    window dept as (partition by period, department_id), company as (partition by period)
),

leave_one_out as (
    select
        *,
        case when n_dept >= 3 then 'department' else 'company' end as compared_with,
        case when n_dept >= 3 then n_dept - 1 else n_company - 1 end as n_others,
        case when n_dept >= 3 then sum_dept - hours_overtime else sum_company - hours_overtime end as sum_others,
        case when n_dept >= 3 then sumsq_dept - hours_overtime * hours_overtime
             else sumsq_company - hours_overtime * hours_overtime end as sumsq_others
    from with_groups
),

scored as (
    select
        *,
        sum_others / n_others as mean_others,
        sqrt(greatest(sumsq_others - sum_others * sum_others / n_others, 0) / (n_others - 1)) as sd_others
    from leave_one_out
    where n_others >= 2
),

overtime_pay as (
    select employee_id, period, sum(overtime_idr)::bigint as overtime_idr
    from payslips
    group by employee_id, period
),

outliers as (
    select
        s.*,
        (s.hours_overtime - s.mean_others) / nullif(s.sd_others, 0) as z_score,
        o.overtime_idr
    from scored s
    cross join params p
    left join overtime_pay o using (employee_id, period)
    where s.hours_overtime >= p.overtime_outlier_min_hours
        and (
            (s.hours_overtime - s.mean_others) / nullif(s.sd_others, 0) > p.overtime_outlier_z
            or (s.sd_others = 0 and s.hours_overtime > s.mean_others)
        )
),

final as (
    select
        'overtime_outlier:' || employee_id || ':' || strftime(period, '%Y-%m') as finding_id,
        'overtime_outlier' as control_code,
        null::varchar as severity,
        'employee' as entity,
        employee_id as entity_key,
        period,
        nullif(department_id, '(none)') as department_id,
        overtime_idr as amount_at_risk_idr,
        employee_id || ' had ' || format('{:.1f}', hours_overtime) || ' h of approved overtime in '
            || strftime(period, '%Y-%m') || ' on ' || n_overtime_days || ' days, against an average of '
            || format('{:.1f}', mean_others) || ' h for the other ' || n_others || ' employees of the '
            || compared_with || coalesce(' (z = ' || format('{:.1f}', z_score) || ')', '')
            || '; check the overtime orders and who approved them.' as description,
        json_object('hours_overtime', hours_overtime, 'n_overtime_days', n_overtime_days,
                    'compared_with', compared_with, 'n_others', n_others, 'mean_others', round(mean_others, 2),
                    'sd_others', round(sd_others, 2), 'z_score', round(z_score, 2),
                    'overtime_idr', overtime_idr)::varchar as evidence
    from outliers
)

select * from final order by entity_key, period
