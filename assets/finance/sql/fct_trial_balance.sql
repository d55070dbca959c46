-- fct_trial_balance: Monthly trial balance: opening balance, debits, credits and closing balance per account.
-- grain: one row per ledger period per account (every month from the first to the last ledger period)
-- schema: core
--
-- Balances are debit-positive (debit - credit); closing_balance_normal_idr shows them in the account's normal
-- balance sign (a credit-normal liability with a credit balance is positive). In a balanced ledger the
-- closing balances of one period sum to zero.
-- column: net_movement_idr: Debits less credits of the month.
-- column: closing_balance_idr: Balance at the month end (debit positive).
-- column: closing_balance_normal_idr: Closing balance in the account's normal-balance sign.
with lines as (
    select * from core.fct_gl_line
),

accounts as (
    select * from core.dim_account
),

months as (
    select unnest(generate_series(min(period), max(period), interval 1 month))::date as period
    from lines
),

account_list as (
    select account_code, account_name, account_type, reporting_category, normal_balance, balance_sign
    from accounts
    union all
    -- accounts used by the ledger but missing from the chart stay visible
    select distinct account_code, null, null, null, null, 1
    from lines
    where not is_account_known
),

movements as (
    select period, account_code, sum(debit_idr) as debit_idr, sum(credit_idr) as credit_idr
    from lines
    group by all
),

spine as (
    select m.period, a.*
    from months m
    cross join account_list a
),

with_movements as (
    select
        s.*,
        coalesce(mv.debit_idr, 0) as debit_idr,
        coalesce(mv.credit_idr, 0) as credit_idr,
        coalesce(mv.debit_idr, 0) - coalesce(mv.credit_idr, 0) as net_movement_idr
    from spine s
    left join movements mv using (period, account_code)
),

final as (
    select
        period,
        account_code,
        account_name,
        account_type,
        reporting_category,
        normal_balance,
        sum(net_movement_idr) over w - net_movement_idr as opening_balance_idr,
        debit_idr,
        credit_idr,
        net_movement_idr,
        sum(net_movement_idr) over w as closing_balance_idr,
        balance_sign * sum(net_movement_idr) over w as closing_balance_normal_idr
    from with_movements
    window w as (partition by account_code order by period rows between unbounded preceding and current row)
)

select * from final order by period, account_code
