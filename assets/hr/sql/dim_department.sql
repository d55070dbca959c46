-- dim_department: Organisation units with their place in the hierarchy, cost centre and work region.
-- grain: one row per department (from the departments master, plus any department the employee history names)
-- schema: core
--
-- level 1 is a top unit (no parent); path lists the ids from the top down ('D01 > D06 > D07'). A department
-- named in the employee history but missing from the master gets a row with is_in_master = false and no name,
-- so KPIs by department never lose people (the findings mart hr_data_findings lists it). A parent id that is not a
-- department, or a cycle, stops the walk up where it breaks, and has_broken_parent is true.
-- column: parent_department_name: Name of the department one level up.
-- column: top_department_id: The department at the top of its branch of the hierarchy.
-- column: level: Depth in the hierarchy (0 at the top).
-- column: path: Department ids from the top down to this one.
-- column: is_in_master: True when the department is in the department master (false: only named by employees or ledger lines).
-- column: has_broken_parent: True when the parent is unknown or the parents form a cycle.
with departments as (
    select * from canonical.departments
),

employees as (
    select * from core.dim_employee
),

master as (
    select
        department_id,
        department_name,
        parent_department_id,
        cost_center,
        region_code,
        domain,
        true as is_in_master
    from departments
),

named_only_in_history as (
    select distinct
        e.department_id,
        null::varchar as department_name,
        null::varchar as parent_department_id,
        null::varchar as cost_center,
        null::varchar as region_code,
        null::varchar as domain,
        false as is_in_master
    from employees e
    where e.department_id is not null
        and e.department_id not in (select department_id from master)
),

all_departments as (
    select * from master
    union all
    select * from named_only_in_history
),

walk as (
    -- from each department up to its top; stops at a missing parent or when an id repeats (cycle)
    with recursive up (department_id, ancestor_id, depth, trail) as (
        select department_id, department_id, 0, [department_id]
        from all_departments
        union all
        select u.department_id, a.parent_department_id, u.depth + 1, list_append(u.trail, a.parent_department_id)
        from up u
        join all_departments a on a.department_id = u.ancestor_id
        join all_departments p on p.department_id = a.parent_department_id
        where not list_contains(u.trail, a.parent_department_id)
    )

    select * from up
),

top_of_walk as (
    select
        department_id,
        arg_max(ancestor_id, depth) as top_department_id,
        max(depth) + 1 as level,
        list_reverse(arg_max(trail, depth)) as path_ids
    from walk
    group by department_id
),

final as (
    select
        d.department_id,
        d.department_name,
        d.parent_department_id,
        parent.department_name as parent_department_name,
        t.top_department_id,
        t.level,
        array_to_string(t.path_ids, ' > ') as path,
        d.cost_center,
        d.region_code,
        d.domain,
        d.is_in_master,
        -- the walk ended on a unit that still names a parent: the parent is missing or the chain loops
        top.parent_department_id is not null as has_broken_parent
    from all_departments d
    join top_of_walk t using (department_id)
    join all_departments top on top.department_id = t.top_department_id
    left join all_departments parent on parent.department_id = d.parent_department_id
)

select * from final order by department_id
