-- dim_employee: Employee history; a new version at every hire, transfer, promotion, pay or contract change and termination.
-- grain: one row per employee per validity range (valid_from and valid_to both inclusive)
-- schema: core
-- needs: employees.employee_id|job_history.employee_id, employees.hire_date|job_history.event_date
--
-- Employed on a day (the one test every HR model, fact and KPI uses): an employee is employed on day d when a
-- version with is_employed = true covers d (valid_from <= d <= valid_to). At the close of day d they are still
-- employed unless d is their last day (termination_date = d), which is how period-end headcounts are counted.
--
-- Conventions (docs/kpi_definitions.md 1.1): termination_date is the last day employed, so the version that
-- records a termination starts the next day with is_employed = false. Several events on one day keep the last.
-- A spell runs from a hire or rehire to its first termination: job events after that termination and before a
-- rehire (a contract renewal entered after the person left, a second termination, ...) do not make the person
-- employed again; their versions keep is_employed = false, and the HR data findings mart reports each such event.
-- Employees in the master with no events get one version from the master (hire to termination) and, for a
-- leaver, a second one from the day after the termination with is_employed = false.
-- column: valid_from: First day of the version (inclusive).
-- column: valid_to: Last day of the version (inclusive; 9999-12-31 for the current one).
-- column: is_current: True for the employee's latest version.
-- column: is_employed: True when the employee is employed during the version.
-- column: change_event: The event that started the version (hire, rehire, transfer, promotion, salary_change, contract_renewal, termination, master).
-- column: is_rehire: True when the version's spell started with a rehire.
with events as (
    select * from canonical.job_history
),

employees as (
    select * from canonical.employees
),

numbered as (
    select
        *,
        case when event_type = 'termination' then event_date + 1 else event_date end as valid_from,
        job_event_seq(employee_id, event_date, event_type, event_id) as event_seq,
        job_spell_no(employee_id, event_date, event_type, event_id) as spell_no
    from events
),

with_spells as (
    -- the first termination of the spell ends it: every later event of the spell is after the person left
    select
        *,
        coalesce(
            event_seq > min(event_seq) filter (where event_type = 'termination')
                over (partition by employee_id, spell_no),
            false
        ) as is_after_termination
    from numbered
),

spells as (
    select
        employee_id,
        spell_no,
        min(event_date) filter (where event_type in ('hire', 'rehire')) as hire_date,
        arg_min(event_date, event_seq) filter (where event_type = 'termination') as termination_date,
        arg_min_null(termination_type, event_seq) filter (where event_type = 'termination') as termination_type,
        arg_min_null(termination_reason, event_seq) filter (where event_type = 'termination') as termination_reason
    from with_spells
    group by employee_id, spell_no
),

event_versions as (
    select
        e.employee_id,
        e.valid_from,
        coalesce(
            lead(e.valid_from) over (partition by e.employee_id order by e.event_seq) - 1,
            date '9999-12-31'
        ) as valid_to,
        e.event_type as change_event,
        e.event_type <> 'termination' and not e.is_after_termination as is_employed,
        e.spell_no,
        e.department_id,
        e.position,
        e.grade,
        e.manager_id,
        e.employment_type,
        e.contract_end_date,
        e.base_salary_idr,
        e.fixed_allowance_idr
    from with_spells e
    where e.spell_no > 0
),

master_only as (
    -- employees the HRIS lists without any employment event: one spell from the master record
    select
        m.employee_id,
        m.hire_date as valid_from,
        coalesce(m.termination_date, date '9999-12-31') as valid_to,
        'master' as change_event,
        true as is_employed,
        1 as spell_no,
        m.department_id,
        m.position,
        m.grade,
        m.manager_id,
        m.employment_type,
        m.contract_end_date,
        m.base_salary_idr,
        m.fixed_allowance_idr
    from employees m
    where not exists (select 1 from events e where e.employee_id = m.employee_id)
),

master_only_leavers as (
    -- a leaver in the master with no events: the version after the last day employed, as a termination event
    -- would give, so every employee has exactly one current version
    select
        employee_id,
        valid_to + 1 as valid_from,
        date '9999-12-31' as valid_to,
        'termination' as change_event,
        false as is_employed,
        spell_no,
        department_id,
        position,
        grade,
        manager_id,
        employment_type,
        contract_end_date,
        base_salary_idr,
        fixed_allowance_idr
    from master_only
    where valid_to < date '9999-12-31'
),

master_only_spells as (
    select employee_id, 1 as spell_no, hire_date, termination_date, termination_type, termination_reason
    from employees m
    where not exists (select 1 from events e where e.employee_id = m.employee_id)
),

versions as (
    select * from event_versions where valid_to >= valid_from
    union all
    select * from master_only
    union all
    select * from master_only_leavers
),

all_spells as (
    select * from spells
    union all
    select * from master_only_spells
),

final as (
    select
        v.employee_id || '@' || strftime(v.valid_from, '%Y%m%d') as employee_version_id,
        v.employee_id,
        v.valid_from,
        v.valid_to,
        v.valid_to = date '9999-12-31' as is_current,
        v.is_employed,
        v.change_event,
        v.spell_no,
        v.spell_no > 1 as is_rehire,
        s.hire_date,
        s.termination_date,
        s.termination_type,
        s.termination_reason,
        v.department_id,
        v.position,
        v.grade,
        v.manager_id,
        v.employment_type,
        v.contract_end_date,
        v.base_salary_idr,
        v.fixed_allowance_idr,
        m.gender,
        m.birth_date,
        coalesce(m.work_location, getvariable('default_region')) as work_location,
        m.ptkp_status
    from versions v
    join all_spells s on s.employee_id = v.employee_id and s.spell_no = v.spell_no
    left join employees m on m.employee_id = v.employee_id
)

select * from final order by employee_id, valid_from
