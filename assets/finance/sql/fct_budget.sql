-- fct_budget: Approved budget per month, department and account category, with the category's account class.
-- grain: one row per month per department per account category
-- schema: core
-- needs: budgets.period, budgets.account_category, budgets.budget_idr
with budgets as (
    select * from canonical.budgets
),

accounts as (
    select * from core.dim_account
),

category_types as (
    select reporting_category, min(account_type) as account_type
    from accounts
    group by reporting_category
),

final as (
    select
        try_strptime(b.period || '-01', '%Y-%m-%d')::date as period,
        b.fiscal_year,
        b.department_id,
        b.account_category,
        c.account_type,
        b.budget_idr
    from budgets b
    left join category_types c on c.reporting_category = b.account_category
)

select * from final order by period, department_id, account_category
