-- kpi_finance__budget: Operating expense against budget: budget, variance and variance %.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.3, budget vs actual): over the expense categories of
-- marts.finance_budget_vs_actual,
--   opex_budget_idr          = sum of budget
--   opex_budget_variance_idr = actual - budget (expense class: positive = over budget = unfavourable)
--   opex_budget_variance_pct = (actual - budget) / abs(budget) * 100
-- The per-category sign convention of every account class is in marts.finance_budget_vs_actual.
with periods as (
    select * from core.dim_period
),

budget_vs_actual as (
    select * from marts.finance_budget_vs_actual where account_type = 'expense'
),

departments as (
    select distinct department_id from budget_vs_actual
),

by_group as (
    select
        p.period,
        case when grouping(d.department_id) = 1 then 'ALL' else d.department_id end as department_id,
        coalesce(sum(b.actual_idr), 0) as actual_idr,
        coalesce(sum(b.budget_idr), 0) as budget_idr
    from periods p
    cross join departments d
    left join budget_vs_actual b using (period, department_id)
    group by grouping sets ((p.period, d.department_id), (p.period))
),

final as (
    select period, department_id, unnest(budget_kpi_rows('opex_budget', actual_idr, budget_idr), recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
