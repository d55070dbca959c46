-- scorecard: Every KPI against its agreed target, with red/amber/green status, change on the previous month and a 12-month trend.
-- grain: one row per month, department (or ALL for the company) and KPI code
-- schema: marts
--
-- Targets (canonical.kpi_targets) are effective-dated by month: period_from and period_to
-- are months, both inclusive, and a blank period_to is open-ended. When two targets of the same KPI and
-- department overlap, the one that started later wins.
-- A department without a target of its own takes the company target (department_id 'ALL') only for KPIs
-- measured per head or as a rate (units pct, ratio, days, hours, years): totals such as headcount or
-- rupiah scale with the size of the department, so a company total is no target for a department.
-- Status (docs/kpi_definitions.md 4.1, Power BI status rules): with the target's direction,
--   green = on the target or better; amber = worse, but by no more than amber_band; red = worse than that.
-- No status without a target or an actual value. The previous month is the calendar month before; the
-- 12-month trend lists the actual values of the last twelve months up to and including the row's month,
-- oldest first. is_change_favourable says whether the change on the previous month went the good way
-- (null when nothing changed or the KPI is neutral).
-- column: actual: The KPI's value for the month and department.
-- column: target_scope: Whose target applies: the department's own or the company's (ALL).
-- column: target_owner: Who answers for the applied target (from the targets file; empty when not given).
-- column: target_comment: Why the applied target is what it is (from the targets file; empty when not given).
-- column: gap: Actual minus target.
-- column: gap_pct: Gap as a percent of target.
-- column: actual_previous_month: The value of the month before.
-- column: change: Actual minus the previous month's value.
-- column: change_pct: Change as a percent of the previous month's value.
-- column: is_change_favourable: True when the change went the good way (empty when nothing changed or the KPI is neutral).
-- column: status_previous_month: Status of the month before.
-- column: actual_year_ago: The value twelve months before.
-- column: change_year: Actual minus the value a year ago.
-- column: trend_12m: Values of the last twelve months up to this one, oldest first.
-- column: status: green, amber or red against the target (empty without a target or an actual value).
with kpi_values as (
    select * from marts.kpi_values
),

registry as (
    select code as kpi_code, domain, direction from marts.kpi_registry
),

targets as (
    select * from canonical.kpi_targets
),

target_months as (
    select
        kpi_code,
        department_id,
        date_trunc('month', period_from)::date as month_from,
        coalesce(date_trunc('month', period_to)::date, date '9999-12-01') as month_to,
        target::double as target,
        direction,
        coalesce(amber_band, 0)::double as amber_band,
        nullif(trim(owner), '') as target_owner,
        nullif(trim(comment), '') as target_comment
    from targets
),

actuals as (
    select
        v.period,
        v.department_id,
        v.kpi_code,
        r.domain,
        v.unit,
        r.direction as registry_direction,
        v.value as actual,
        v.group_size,
        v.is_small_group
    from kpi_values v
    left join registry r using (kpi_code)
),

targets_in_force as (
    -- per KPI value the latest target in force of each scope: its department's own ('department'; the company's
    -- own for ALL) and, for a department's KPI measured per head or as a rate, the company's ('company')
    select
        a.period, a.department_id, a.kpi_code, t.target, t.direction, t.amber_band, t.target_owner,
        t.target_comment,
        case when t.department_id = a.department_id then 'department' else 'company' end as target_scope
    from actuals a
    join target_months t
        on t.kpi_code = a.kpi_code
        and a.period between t.month_from and t.month_to
        and (
            t.department_id = a.department_id
            or (
                t.department_id = 'ALL'
                and a.department_id <> 'ALL'
                and a.unit in ('pct', 'ratio', 'days', 'hours', 'years')
            )
        )
    qualify row_number() over (
        partition by a.period, a.department_id, a.kpi_code, target_scope order by t.month_from desc
    ) = 1
),

with_targets as (
    select
        a.*,
        coalesce(o.target, c.target) as target,
        coalesce(o.direction, c.direction, a.registry_direction) as direction,
        coalesce(o.amber_band, c.amber_band) as amber_band,
        coalesce(o.target_scope, c.target_scope) as target_scope,
        case when o.target is not null then o.target_owner else c.target_owner end as target_owner,
        case when o.target is not null then o.target_comment else c.target_comment end as target_comment
    from actuals a
    left join (select * from targets_in_force where target_scope = 'department') o
        using (period, department_id, kpi_code)
    left join (select * from targets_in_force where target_scope = 'company') c
        using (period, department_id, kpi_code)
),

with_status as (
    select
        *,
        actual - target as gap,
        (actual - target) / nullif(abs(target), 0) * 100 as gap_pct,
        case
            when target is null or actual is null then null
            when direction = 'higher_is_better' and actual >= target then 'green'
            when direction = 'higher_is_better' and actual >= target - amber_band then 'amber'
            when direction = 'higher_is_better' then 'red'
            when direction = 'lower_is_better' and actual <= target then 'green'
            when direction = 'lower_is_better' and actual <= target + amber_band then 'amber'
            when direction = 'lower_is_better' then 'red'
        end as status
    from with_targets
),

with_history as (
    select
        s.*,
        p.actual as actual_previous_month,
        p.status as status_previous_month,
        y.actual as actual_year_ago,
        list(s.actual) over (
            partition by s.kpi_code, s.department_id
            order by s.period
            range between interval 11 months preceding and current row
        ) as trend_12m
    from with_status s
    left join with_status p
        on p.kpi_code = s.kpi_code
        and p.department_id = s.department_id
        and p.period = (s.period - interval 1 month)::date
    left join with_status y
        on y.kpi_code = s.kpi_code
        and y.department_id = s.department_id
        and y.period = (s.period - interval 12 months)::date
),

final as (
    select
        period,
        department_id,
        kpi_code,
        domain,
        unit,
        direction,
        actual,
        target,
        target_scope,
        target_owner,
        target_comment,
        amber_band,
        gap,
        gap_pct,
        status,
        actual_previous_month,
        actual - actual_previous_month as change,
        (actual - actual_previous_month) / nullif(abs(actual_previous_month), 0) * 100 as change_pct,
        case
            when actual = actual_previous_month or direction not in ('higher_is_better', 'lower_is_better') then null
            when direction = 'higher_is_better' then actual > actual_previous_month
            else actual < actual_previous_month
        end as is_change_favourable,
        status_previous_month,
        actual_year_ago,
        actual - actual_year_ago as change_year,
        trend_12m,
        group_size,
        is_small_group
    from with_history
    order by period, department_id, kpi_code
)

select * from final
