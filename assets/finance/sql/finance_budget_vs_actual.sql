-- finance_budget_vs_actual: Actual ledger amounts against budget per month, department and account category.
-- grain: one row per month per department per account category (income-statement categories and budgeted ones)
-- schema: marts
--
-- actual_idr is in the account's normal-balance sign (expense: debit - credit; revenue: credit - debit).
-- variance_idr = actual - budget; variance_pct = variance / abs(budget) * 100 (null without a budget).
-- Sign convention per account class (config/account_classes.csv): for expense a positive variance is
-- unfavourable (below_budget is favourable), for revenue it is favourable. favourable_variance_idr turns every
-- variance so that positive is good. Ledger lines without a department are reported as UNASSIGNED; closing and
-- brought-forward journals move balances, not spending, and are left out of actuals.
-- column: variance_idr: Actual minus budget.
-- column: variance_pct: Variance as a percent of budget.
-- column: favourable_variance_idr: Variance signed so that positive is good for the account class.
-- column: is_favourable: True when the variance goes the good way.
-- column: is_category_unknown: True when the budget's category is not in the chart of accounts.
with lines as (
    select * from core.fct_gl_line
),

budgets as (
    select * from core.fct_budget
),

accounts as (
    select * from core.dim_account
),

categories as (
    select
        reporting_category,
        min(account_type) as account_type,
        min(balance_sign) as balance_sign,
        min(variance_favourable_when) as variance_favourable_when
    from accounts
    group by reporting_category
),

actuals as (
    select
        l.period,
        coalesce(l.department_id, 'UNASSIGNED') as department_id,
        l.reporting_category as account_category,
        sum(l.amount_idr * c.balance_sign) as actual_idr
    from lines l
    join categories c using (reporting_category)
    where not l.is_close_journal
        and not l.is_brought_forward
        and (l.account_type in ('expense', 'revenue') or l.reporting_category in (select account_category from budgets))
    group by all
),

budget_totals as (
    select period, department_id, account_category, sum(budget_idr) as budget_idr
    from budgets
    group by all
),

joined as (
    select
        coalesce(a.period, b.period) as period,
        coalesce(a.department_id, b.department_id) as department_id,
        coalesce(a.account_category, b.account_category) as account_category,
        coalesce(a.actual_idr, 0) as actual_idr,
        b.budget_idr
    from actuals a
    full join budget_totals b using (period, department_id, account_category)
),

final as (
    select
        j.period,
        j.department_id,
        j.account_category,
        c.account_type,
        j.actual_idr,
        j.budget_idr,
        j.actual_idr - coalesce(j.budget_idr, 0) as variance_idr,
        budget_variance_pct(j.actual_idr, j.budget_idr) as variance_pct,
        c.variance_favourable_when,
        case c.variance_favourable_when
            when 'below_budget' then coalesce(j.budget_idr, 0) - j.actual_idr
            when 'above_budget' then j.actual_idr - coalesce(j.budget_idr, 0)
        end as favourable_variance_idr,
        case c.variance_favourable_when
            when 'below_budget' then j.actual_idr <= coalesce(j.budget_idr, 0)
            when 'above_budget' then j.actual_idr >= coalesce(j.budget_idr, 0)
        end as is_favourable,
        c.reporting_category is null as is_category_unknown
    from joined j
    left join categories c on c.reporting_category = j.account_category
)

select * from final order by period, department_id, account_category
