-- fct_training: Training attended with hours and cost, in the employee's department on the start date.
-- grain: one row per employee per training (training_id)
-- schema: core
-- needs: training.employee_id, training.start_date
--
-- A training for an unknown id or for someone not employed on its start date keeps
-- is_employed_on_start = false and no department; KPIs leave it out (the findings mart hr_data_findings explains it).
-- column: hours_training: Training hours attended (0 when the source has none).
-- column: cost_idr: Cost of the training for this employee (0 when the source has none).
with training as (
    select * from canonical.training
),

employees as (
    select * from core.dim_employee
),

final as (
    select
        t.training_id,
        t.employee_id,
        e.employee_version_id,
        e.department_id,
        t.course_name,
        t.start_date,
        date_trunc('month', t.start_date)::date as period,
        coalesce(t.hours, 0) as hours_training,
        coalesce(t.cost_idr, 0) as cost_idr,
        k.employee_id is not null as is_known_employee,
        e.employee_id is not null as is_employed_on_start
    from training t
    left join employees e
        on e.employee_id = t.employee_id and is_employed_on(t.start_date, e.is_employed, e.valid_from, e.valid_to)
    -- known: the id has a version in dim_employee, and exactly one of them is current
    left join employees k on k.employee_id = t.employee_id and k.is_current
)

select * from final order by start_date, training_id
