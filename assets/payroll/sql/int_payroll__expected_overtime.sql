-- int_payroll__expected_overtime: Overtime pay due for the month from approved hours and reference multipliers.
-- grain: one row per employee per month with approved overtime or overtime pay (run_id of the month's first payslip)
-- schema: core
--
-- Law (docs/payroll_rules.md 2.6, PP 35/2021 Pasal 31-32), values from reference.* in force on the period's 1st day:
--   multiplier-hours of a day = sum over overtime hours of the multiplier of that hour's tier, for the day's scenario:
--                      'workday', or 'restday_or_holiday_<N>day_week' with N = getvariable('work_week_days'); hours
--                      past the last tier keep the last tier's multiplier
--   hourly wage base   = monthly wage (basic + fixed allowance) / overtime_hourly_divisor; if basic + fixed
--                        allowance is below overtime_base_min_fixed_share_pct of the total wage (including the
--                        variable allowances paid), that share of the total wage instead
--   expected           = round_half_up(wage base x sum of the month's multiplier-hours / divisor)
-- Hours are overtime_hours_approved of staging attendance; a day without day_type takes it from core.dim_date. Days
-- on which the employee was not employed are left out, and the row says so.
-- column: multiplier_hours: Overtime hours weighted by the legal multipliers of each band.
-- column: divisor: Monthly hours the hourly wage divides by (173).
-- personal: monthly_wage_idr, expected_idr, actual_idr
with attendance as (
    select * from canonical.attendance
),

calendar as (
    select * from core.dim_date
),

employees as (
    select * from core.dim_employee
),

context as (
    select * from core.int_payroll__payslip_context
),

multipliers as (
    select * from reference.overtime_multipliers
),

labour_parameters as (
    select * from reference.labour_parameters
),

overtime_days as (
    select
        a.employee_id,
        a.attendance_date,
        date_trunc('month', a.attendance_date)::date as period,
        a.overtime_hours_approved::decimal(18, 2) as hours_overtime,
        case
            when coalesce(
                a.day_type,
                case when d.is_working_day then 'workday' when d.is_public_holiday then 'holiday' else 'restday' end
            ) = 'workday' then 'workday'
            else 'restday_or_holiday_' || getvariable('work_week_days') || 'day_week'
        end as scenario,
        -- sqlfluff's DuckDB dialect reads `exists (` in a select list as a function call, hence the noqa
        exists ( -- noqa: LT01,LT06
            select 1 from employees e
            where e.employee_id = a.employee_id and e.is_employed
                and a.attendance_date between e.valid_from and e.valid_to
        ) as is_employed_that_day
    from attendance a
    left join calendar d on d.date_day = a.attendance_date
    where a.overtime_hours_approved > 0
),

day_tiers as (
    select
        o.*,
        m.hour_from,
        m.hour_to,
        m.multiplier::decimal(10, 4) as multiplier,
        m.hour_from = max(m.hour_from) over (partition by o.employee_id, o.attendance_date) as is_last_tier
    from overtime_days o
    left join multipliers m
        on m.scenario = o.scenario
        and is_in_force(o.period, m.effective_from, m.effective_to)
),

multiplier_hours as (
    select
        employee_id,
        attendance_date,
        period,
        scenario,
        is_employed_that_day,
        any_value(hours_overtime) as hours_overtime,
        count(hour_from) as n_tiers,
        sum(
            greatest(
                case when is_last_tier then hours_overtime - (hour_from - 1)
                     else least(hours_overtime - (hour_from - 1), hour_to - hour_from + 1) end,
                0
            ) * multiplier
        ) as multiplier_hours
    from day_tiers
    group by employee_id, attendance_date, period, scenario, is_employed_that_day
),

monthly_hours as (
    select
        employee_id,
        period,
        sum(hours_overtime) filter (where is_employed_that_day) as hours_overtime,
        round(coalesce(sum(multiplier_hours) filter (where is_employed_that_day), 0) * 100)::bigint
            as multiplier_hours_x100,
        count(*) filter (where not is_employed_that_day) as n_days_not_employed,
        string_agg(distinct scenario, ', ') filter (where n_tiers = 0) as scenarios_without_tiers
    from multiplier_hours
    group by employee_id, period
),

first_run as (
    select *
    from context
    qualify row_number() over (partition by employee_id, period order by pay_date, run_id) = 1
),

paid as (
    select employee_id, period, sum(overtime_idr) as actual_idr
    from context
    group by employee_id, period
),

period_parameters as (
    select
        p.period,
        max(l.value::bigint) filter (where l.parameter = 'overtime_hourly_divisor') as divisor,
        max(l.value::double) filter (where l.parameter = 'overtime_base_min_fixed_share_pct') as min_fixed_share_pct
    from (
        select period from monthly_hours
        union
        select period from paid
    ) p
    left join labour_parameters l
        on is_in_force(p.period, l.effective_from, l.effective_to)
        and l.parameter in ('overtime_hourly_divisor', 'overtime_base_min_fixed_share_pct')
    group by p.period
),

employee_months as (
    select employee_id, period from monthly_hours
    union
    select employee_id, period from paid where actual_idr <> 0
),

combined as (
    -- a month with approved overtime but no payslip, or a payslip without approved overtime: the side that is
    -- missing counts nothing
    select
        * replace (
            coalesce(variable_allowance_idr, 0) as variable_allowance_idr,
            coalesce(hours_overtime, 0) as hours_overtime,
            coalesce(multiplier_hours_x100, 0) as multiplier_hours_x100,
            coalesce(n_days_not_employed, 0) as n_days_not_employed,
            coalesce(actual_idr, 0) as actual_idr
        )
    from employee_months m
    left join monthly_hours h using (employee_id, period)
    left join first_run r using (employee_id, period)
    left join paid a using (employee_id, period)
    left join period_parameters pp using (period)
),

with_base as (
    select
        *,
        -- the wage base x 100, so a 75% share of the total wage stays exact
        greatest(
            monthly_wage_idr * 100,
            coalesce(min_fixed_share_pct, 0) * (monthly_wage_idr + variable_allowance_idr)
        ) as wage_base_x100,
        case
            when run_id is null then
                'Overtime approved in attendance for ' || employee_id || ' in ' || strftime(period, '%Y-%m')
                || ', but there is no payslip for that month.'
            when not is_known_employee then
                'Payslip for employee ' || employee_id || ', who is not in the HR master or job history: there '
                || 'is no wage to recompute overtime from.'
            when not has_employment or monthly_wage_idr is null then
                'Employee ' || employee_id || ' has no wage on record by the end of ' || strftime(period, '%Y-%m')
                || ', so overtime cannot be recomputed.'
            when divisor is null then
                'No overtime_hourly_divisor in reference.labour_parameters on ' || strftime(period, '%Y-%m-%d')
                || ', so overtime cannot be recomputed.'
            when scenarios_without_tiers is not null then
                'No overtime multipliers in reference.overtime_multipliers for ' || scenarios_without_tiers
                || ' on ' || strftime(period, '%Y-%m-%d') || ', so overtime cannot be recomputed.'
        end as problem
    from combined
),

final as (
    select
        run_id,
        period,
        pay_date,
        employee_id,
        department_id,
        hours_overtime,
        multiplier_hours_x100 / 100 as multiplier_hours,
        monthly_wage_idr,
        divisor,
        case when problem is null then
            ((2 * round(wage_base_x100)::hugeint * multiplier_hours_x100 + divisor * 10000)
             // (2 * divisor * 10000))::bigint
        end as expected_idr,
        actual_idr,
        coalesce(
            problem,
            case when n_days_not_employed > 0 then
                n_days_not_employed || ' overtime day(s) in attendance fall on days ' || employee_id
                || ' was not employed; they are left out of the expected overtime.'
            end
        ) as problem
    from with_base
)

select * from final order by period, employee_id
