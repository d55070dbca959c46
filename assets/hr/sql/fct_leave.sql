-- fct_leave: Leave requests with their type, dates, approval and the working days they cover, in the employee's department on the first day.
-- grain: one row per leave request
-- schema: core
-- needs: leave.employee_id, leave.start_date, leave.end_date, leave.leave_type
--
-- days_requested is the HRIS figure; n_working_days_in_window counts the calendar's working days
-- (core.dim_date) between start and end inside the reporting window, so the two can be compared.
-- A request by an unknown id or by someone not employed on its first day keeps is_employed_on_start = false
-- and no department (the findings mart hr_data_findings explains it).
-- column: days_requested: Working days of leave requested.
-- column: n_calendar_days_in_window: Calendar days of the leave inside the reporting window.
-- column: n_working_days_in_window: Working days of the leave inside the reporting window.
with leave as (
    select * from canonical.leave
),

days as (
    select * from core.dim_date
),

employees as (
    select * from core.dim_employee
),

window_ as (
    select min(date_day) as first_day, max(date_day) as last_day from days
),

working_days as (
    -- the days of each request inside the window, counted from the calendar's running totals on its first and last
    -- day
    select
        l.leave_id,
        coalesce(sum(t.n_days_to_date - f.n_days_to_date + 1), 0)::bigint as n_calendar_days_in_window,
        coalesce(sum(t.n_working_days_to_date - f.n_working_days_to_date + f.is_working_day::integer), 0)::bigint
            as n_working_days_in_window
    from leave l
    cross join window_ w
    left join days f
        on l.start_date is not null and l.end_date is not null
        and f.date_day = greatest(l.start_date, w.first_day)
        and greatest(l.start_date, w.first_day) <= least(l.end_date, w.last_day)
    left join days t on t.date_day = least(l.end_date, w.last_day)
    group by l.leave_id
),

final as (
    select
        l.leave_id,
        l.employee_id,
        e.employee_version_id,
        e.department_id,
        l.leave_type,
        l.start_date,
        l.end_date,
        date_trunc('month', l.start_date)::date as period,
        l.days::double as days_requested,
        w.n_calendar_days_in_window,
        w.n_working_days_in_window,
        l.status,
        l.approved_by,
        l.status = 'approved' as is_approved,
        k.employee_id is not null as is_known_employee,
        e.employee_id is not null as is_employed_on_start
    from leave l
    left join employees e
        on e.employee_id = l.employee_id and is_employed_on(l.start_date, e.is_employed, e.valid_from, e.valid_to)
    left join working_days w using (leave_id)
    -- known: the id has a version in dim_employee, and exactly one of them is current
    left join employees k on k.employee_id = l.employee_id and k.is_current
)

select * from final order by start_date, leave_id
