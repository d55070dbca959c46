-- kpi_payroll__budget: Payroll cost against the finance budget: budget, variance and variance %.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.3, budget vs actual; 1.2, payroll cost): the payroll budget of a month and
-- department is the budget (core.fct_budget) of the account categories that hold payroll expense: the reporting
-- categories of the accounts with the role payroll_expense (assets/finance/config/account_roles.csv, through
-- core.dim_account), so which budget lines are payroll is data, not SQL. The actual is the payroll cost of the
-- payroll KPIs (payroll_cost_total_idr of marts.kpi_payroll__costs: gross pay plus employer contributions).
--   payroll_cost_budget_idr          = sum of budget over the payroll categories
--   payroll_cost_budget_variance_idr = payroll cost - budget (positive = over budget = unfavourable)
--   payroll_cost_budget_variance_pct = (payroll cost - budget) / abs(budget) * 100
-- The company (ALL) compares the company's payroll cost with the sum of every department's payroll budget.
-- A month and department without a payroll budget has no values (no budget is not a budget of zero).
with payroll_cost as (
    select period, department_id, value as actual_idr
    from marts.kpi_payroll__costs
    where kpi_code = 'payroll_cost_total_idr'
),

accounts as (
    select * from core.dim_account
),

budgets as (
    select * from core.fct_budget
),

payroll_categories as (
    select distinct reporting_category as account_category
    from accounts
    where is_payroll_expense and reporting_category is not null
),

budget_totals as (
    select
        b.period,
        case when grouping(b.department_id) = 1 then 'ALL' else b.department_id end as department_id,
        sum(b.budget_idr)::double as budget_idr
    from budgets b
    join payroll_categories c using (account_category)
    where b.period is not null and b.department_id is not null
    group by grouping sets ((b.period, b.department_id), (b.period))
),

joined as (
    select c.period, c.department_id, c.actual_idr, b.budget_idr
    from payroll_cost c
    left join budget_totals b using (period, department_id)
),

final as (
    select
        period,
        department_id,
        unnest(budget_kpi_rows('payroll_cost_budget', actual_idr, budget_idr), recursive := true)
    from joined
)

select * from final order by period, department_id, kpi_code
