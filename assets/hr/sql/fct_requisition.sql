-- fct_requisition: Recruitment requisitions from opening to offer accepted and start, with time to fill and time to hire.
-- grain: one row per requisition
-- schema: core
-- needs: requisitions.requisition_id, requisitions.opened_date
--
-- Definitions (docs/kpi_definitions.md 1.2, VPSC [S7], SHRM convention [S8]; never mix the two):
--   days_to_fill = offer_accepted_date - opened_date                    (calendar days)
--   days_to_hire = offer_accepted_date - first_candidate_applied_date   (calendar days)
-- A requisition counts as filled in the month of its filled_date (the new hire's start; the offer date when
-- the export has no start). days_to_hire is left empty when the first application is after the offer
-- (the findings mart hr_data_findings explains it).
-- column: is_filled: True when the requisition was filled.
-- column: filled_period: Month the requisition was filled, as its first day.
-- column: days_to_fill: Calendar days from opening to offer accepted (time to fill).
-- column: days_to_hire: Calendar days from the first application to offer accepted (time to hire).
-- column: is_hired_employee_known: True when the hired person's employee id is in the HR master.
with requisitions as (
    select * from canonical.requisitions
),

employees as (
    select * from core.dim_employee
),

final as (
    select
        r.requisition_id,
        r.department_id,
        r.position,
        r.grade,
        r.opened_date,
        r.first_candidate_applied_date,
        r.offer_accepted_date,
        r.filled_date,
        r.status,
        r.hired_employee_id,
        coalesce(r.status = 'filled', r.filled_date is not null) and r.offer_accepted_date is not null as is_filled,
        case when coalesce(r.status = 'filled', r.filled_date is not null) and r.offer_accepted_date is not null
            then date_trunc('month', coalesce(r.filled_date, r.offer_accepted_date))::date
        end as filled_period,
        date_diff('day', r.opened_date, r.offer_accepted_date) as days_to_fill,
        case when r.first_candidate_applied_date <= r.offer_accepted_date
            then date_diff('day', r.first_candidate_applied_date, r.offer_accepted_date)
        end as days_to_hire,
        r.hired_employee_id is null or k.employee_id is not null as is_hired_employee_known
    from requisitions r
    -- known: the id has a version in dim_employee, and exactly one of them is current
    left join employees k on k.employee_id = r.hired_employee_id and k.is_current
)

select * from final order by opened_date, requisition_id
