-- int_findings__pay_bands: Pay decisions (hire, raise, promotion) that set a base salary outside the pay band of the grade.
-- grain: one row per finding (employee salary record)
-- schema: core
--
-- Rule (docs/audit_tests.md section 3, test 15: "new base < range min or > range max"): a pay decision is an
-- employed version of core.dim_employee whose base salary or grade differs from the employee's previous version
-- (or the first version of a spell). It is judged against the band of its grade in force on the day it took
-- effect (canonical.pay_bands, effective dates inclusive): outside when base < min x (1 -
-- salary_band_tolerance_pct / 100) or base > max x (1 + tolerance). Decisions still in force in the reporting
-- window (core.dim_period) are listed. A salary that was inside its band when decided and falls below a later,
-- higher band is a pay-review question, not this control. amount_at_risk_idr is the monthly amount above the
-- maximum (or below the minimum).
with employees as (
    select * from core.dim_employee
),

periods as (
    select * from core.dim_period
),

bands as (
    select * from canonical.pay_bands
),

params as (
    select * from core.control_parameters
),

versions as (
    select
        *,
        lag(base_salary_idr) over by_employee as previous_base_salary_idr,
        lag(grade) over by_employee as previous_grade,
        lag(spell_no) over by_employee as previous_spell_no
    from employees
    where is_employed
    window by_employee as (partition by employee_id order by valid_from)
),

decisions as (
    select v.*
    from versions v
    cross join (select min(period) as window_start from periods) w
    where v.valid_to >= w.window_start
        and (
            v.previous_spell_no is distinct from v.spell_no
            or v.base_salary_idr is distinct from v.previous_base_salary_idr
            or v.grade is distinct from v.previous_grade
        )
),

outside as (
    select
        d.employee_id,
        d.employee_version_id,
        d.valid_from,
        d.change_event,
        d.department_id,
        d.grade,
        d.base_salary_idr,
        d.previous_base_salary_idr,
        b.min_idr,
        b.max_idr,
        b.effective_from as band_from
    from decisions d
    join bands b
        on b.grade = d.grade
        and is_in_force(d.valid_from, b.effective_from, b.effective_to)
    cross join params x
    where d.base_salary_idr < b.min_idr * (1 - x.salary_band_tolerance_pct / 100)
        or d.base_salary_idr > b.max_idr * (1 + x.salary_band_tolerance_pct / 100)
),

final as (
    select
        'salary_outside_band:' || employee_id || ':' || strftime(valid_from, '%Y%m%d') as finding_id,
        'salary_outside_band' as control_code,
        null::varchar as severity,
        'employee' as entity,
        employee_id as entity_key,
        date_trunc('month', valid_from)::date as period,
        department_id,
        case when base_salary_idr > max_idr then base_salary_idr - max_idr else min_idr - base_salary_idr end
            as amount_at_risk_idr,
        employee_id || '''s base salary was set to ' || money_text(base_salary_idr) || ' from '
            || strftime(valid_from, '%Y-%m-%d') || ' (' || replace(change_event, '_', ' ') || '), '
            || case when base_salary_idr > max_idr
                then 'above the ' || grade || ' band maximum ' || money_text(max_idr)
                else 'below the ' || grade || ' band minimum ' || money_text(min_idr) end
            || '; check who approved the pay decision and whether the grade is right.' as description,
        json_object('grade', grade, 'base_salary_idr', base_salary_idr,
                    'previous_base_salary_idr', previous_base_salary_idr, 'change_event', change_event,
                    'band_min_idr', min_idr, 'band_max_idr', max_idr, 'band_effective_from', band_from,
                    'salary_from', valid_from)::varchar as evidence
    from outside
)

select * from final order by entity_key, period
