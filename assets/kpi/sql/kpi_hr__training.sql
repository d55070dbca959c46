-- kpi_hr__training: Training hours and training cost per employee.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.2, ISO 30414 [S9]):
--   training_hours_per_employee    = training hours started in the month / average daily headcount
--   training_cost_per_employee_idr = training cost (IDR) started in the month / average daily headcount
-- A training counts in the month of its start date, in the trainee's department that day; a training for
-- someone not employed that day is left out (the HR findings mart lists it). The denominator is
-- headcount_avg_daily of kpi_hr__workforce.
with workforce as (
    select * from marts.kpi_hr__workforce
),

training as (
    select * from core.fct_training where is_employed_on_start
),

spine as (
    -- the months and departments (and ALL) of kpi_hr__workforce, each with its average daily headcount
    select period, department_id, value as headcount_avg_daily
    from workforce
    where kpi_code = 'headcount_avg_daily'
),

by_group as (
    select
        s.period,
        s.department_id,
        coalesce(sum(t.hours_training), 0)::double as hours_training,
        coalesce(sum(t.cost_idr), 0)::double as cost_idr,
        s.headcount_avg_daily
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from training) t
        on t.period = s.period and t.group_id = s.department_id
    group by all
),

final as (
    select period, department_id, unnest([
        kpi_ratio_row('training_hours_per_employee', hours_training, headcount_avg_daily),
        kpi_ratio_row('training_cost_per_employee_idr', cost_idr, headcount_avg_daily)
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
