-- fct_attendance_daily: Attendance status, hours and approved overtime per employee and day, placed in the employee's department that day.
-- grain: one row per employee per attendance date (as in the HRIS export)
-- schema: core
-- needs: attendance.employee_id, attendance.attendance_date, attendance.status
--
-- The company calendar (core.dim_date) decides working days, not the export's day_type. Status groups:
--   unplanned absence = sick, permit, unpaid_absence (docs/kpi_definitions.md 1.2, BLS: vacation and holidays excluded)
--   planned leave     = annual_leave, other_leave, collective_leave
--   is_scheduled_day  = a working day of the calendar without planned leave: the absenteeism denominator
-- A row for someone not employed that day (before hire, after the last day, between spells) or for an id the
-- HRIS does not know is kept with is_employed_on_day = false and no department; KPIs leave it out and
-- the findings mart hr_data_findings explains it.
-- column: hours_clocked: Hours between clock-in and clock-out.
-- column: is_employed_on_day: True when the employee was employed on the day (core.dim_employee).
-- column: is_working_day: True on a working day of the company calendar (core.dim_date).
-- column: is_rest_day: True on a weekly rest day.
-- column: is_public_holiday: True on a public holiday.
-- column: is_in_reporting_window: True when the day is in core.reporting_window.
-- column: is_present: True when the employee worked the day.
-- column: is_unplanned_absence: True for an absence not planned ahead (absent without leave, sick).
-- column: is_planned_leave: True for approved leave.
-- column: is_scheduled_day: True when the employee was scheduled to work (a working day while employed).
with attendance as (
    select * from canonical.attendance
),

days as (
    select * from core.dim_date
),

employees as (
    select * from core.dim_employee
),

final as (
    select
        a.employee_id,
        a.attendance_date,
        date_trunc('month', a.attendance_date)::date as period,
        e.employee_version_id,
        e.department_id,
        a.status,
        a.day_type,
        a.clock_in,
        a.clock_out,
        case when a.clock_out > a.clock_in
            then date_diff('minute', a.clock_in, a.clock_out) / 60.0
        end as hours_clocked,
        coalesce(a.overtime_hours_approved, 0) as hours_overtime,
        k.employee_id is not null as is_known_employee,
        e.employee_id is not null as is_employed_on_day,
        coalesce(d.is_working_day, false) as is_working_day,
        coalesce(d.is_rest_day, false) as is_rest_day,
        coalesce(d.is_public_holiday, false) as is_public_holiday,
        d.date_day is not null as is_in_reporting_window,
        a.status = 'present' as is_present,
        a.status in ('sick', 'permit', 'unpaid_absence') as is_unplanned_absence,
        a.status in ('annual_leave', 'other_leave', 'collective_leave') as is_planned_leave,
        coalesce(d.is_working_day, false)
            and a.status not in ('annual_leave', 'other_leave', 'collective_leave') as is_scheduled_day
    from attendance a
    left join employees e
        on e.employee_id = a.employee_id and is_employed_on(a.attendance_date, e.is_employed, e.valid_from, e.valid_to)
    -- known: the id has a version in dim_employee, and exactly one of them is current
    left join employees k on k.employee_id = a.employee_id and k.is_current
    left join days d on d.date_day = a.attendance_date
)

-- Not sorted: the rows keep the order of canonical.attendance (file by file as loaded, so month by month).
-- Readers filter and group them; sorting all rows took 5.6 of the 12.6 s of its query at L.
select * from final
