-- kpi_hr__attendance: FTE, absenteeism rate and overtime hours per employee, from the calendar, the employee history and daily attendance.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.2 and 2.6, 2.10; attendance of someone not employed that day is left out):
--   fte = paid hours / standard hours of one full-time employee in the month
--         paid hours     = (working days employed - unpaid_absence days on working days) * normal hours a day
--         standard hours = working days of the month * normal hours a day
--         working days come from core.dim_date (weekly rest days and public holidays off; collective leave is a
--         paid working day); normal hours a day is reference.labour_parameters normal_hours_day_<5|6>day_week
--         for the settings' work week (no parameter in force: value null, and the HR findings mart says so).
--         Every contract is full-time; overtime is not counted.
--   absenteeism_rate_pct = unplanned absence days (sick, permit, unpaid_absence) / scheduled working days * 100
--         scheduled working days = attendance rows on working days of the calendar without planned leave
--         (annual_leave, other_leave, collective_leave)
--   overtime_hours_per_employee = approved overtime hours (workdays, rest days and holidays) / average daily
--         headcount (headcount_avg_daily of kpi_hr__workforce)
with workforce as (
    select * from marts.kpi_hr__workforce
),

periods as (
    select * from core.dim_period
),

days as (
    select * from core.dim_date
),

employed as (
    select * from core.dim_employee where is_employed
),

attendance as (
    select * from core.fct_attendance_daily where is_employed_on_day
),

normal_hours as (
    select * from reference.labour_parameters
    where parameter = 'normal_hours_day_' || getvariable('work_week_days') || 'day_week'
),

spine as (
    -- the months and departments (and ALL) of kpi_hr__workforce, each with its average daily headcount
    select period, department_id, value as headcount_avg_daily
    from workforce
    where kpi_code = 'headcount_avg_daily'
),

hours_per_day as (
    select p.period, p.n_working_days, n.value::double as hours_per_day
    from periods p
    left join normal_hours n on is_in_force(p.period_end, n.effective_from, n.effective_to)
),

period_days as (
    select period, min(date_day) as first_day, max(date_day) as last_day
    from days
    group by period
),

version_months as (
    -- each employed version's days within each month it overlaps
    select
        p.period,
        e.department_id,
        greatest(e.valid_from, p.first_day) as from_day,
        least(e.valid_to, p.last_day) as to_day
    from period_days p
    join employed e on e.valid_from <= p.last_day and e.valid_to >= p.first_day
),

employed_working_days as (
    -- the working days employed, from the calendar's running totals instead of listing every employee-day
    select
        v.period,
        case when grouping(v.department_id) = 1 then 'ALL' else v.department_id end as department_id,
        sum(t.n_working_days_to_date - f.n_working_days_to_date + f.is_working_day::integer)::bigint
            as n_working_days_employed
    from version_months v
    join days f on f.date_day = v.from_day
    join days t on t.date_day = v.to_day
    group by grouping sets ((v.period, v.department_id), (v.period))
),

attendance_counts as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        count(*) filter (where is_working_day and status = 'unpaid_absence') as n_unpaid_working_days,
        count(*) filter (where is_scheduled_day) as n_scheduled_days,
        count(*) filter (where is_scheduled_day and is_unplanned_absence) as n_unplanned_absence_days,
        sum(hours_overtime) as hours_overtime
    from attendance
    group by grouping sets ((period, department_id), (period))
),

by_group as (
    select
        s.period,
        s.department_id,
        h.hours_per_day,
        h.n_working_days,
        coalesce(w.n_working_days_employed, 0) as n_working_days_employed,
        coalesce(a.n_unpaid_working_days, 0) as n_unpaid_working_days,
        coalesce(a.n_scheduled_days, 0) as n_scheduled_days,
        coalesce(a.n_unplanned_absence_days, 0) as n_unplanned_absence_days,
        coalesce(a.hours_overtime, 0)::double as hours_overtime,
        s.headcount_avg_daily
    from spine s
    join hours_per_day h using (period)
    left join employed_working_days w using (period, department_id)
    left join attendance_counts a using (period, department_id)
),

final as (
    select period, department_id, unnest([
        kpi_ratio_row(
            'fte', (n_working_days_employed - n_unpaid_working_days) * hours_per_day, n_working_days * hours_per_day
        ),
        kpi_pct_row('absenteeism_rate_pct', n_unplanned_absence_days, n_scheduled_days),
        kpi_ratio_row('overtime_hours_per_employee', hours_overtime, headcount_avg_daily)
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
