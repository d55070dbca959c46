-- dim_account: Chart of accounts with type, reporting category, normal balance and the finance roles of each account.
-- grain: one row per account
-- schema: core
--
-- Roles come from assets/finance/config (payables, payroll expense, non-operating expense, the bank account
-- behind a cash account); the normal balance falls back to the account class when the chart leaves it blank.
-- column: balance_sign: +1 for a debit-normal account, -1 for a credit-normal one (multiply a debit-positive balance to show it in its normal sign).
with accounts as (
    select * from canonical.chart_of_accounts
),

classes as (
    select * from core.map_account_classes
),

roles as (
    select * from core.map_account_roles
),

bank_accounts as (
    select * from core.map_bank_accounts
),

roles_per_account as (
    select
        account_code,
        bool_or(role = 'payables') as is_payables,
        bool_or(role = 'payroll_expense') as is_payroll_expense,
        bool_or(role = 'non_operating_expense') as is_non_operating
    from roles
    group by account_code
),

final as (
    select
        a.account_code,
        a.account_name,
        a.account_type,
        a.category as reporting_category,
        coalesce(a.normal_balance, c.normal_balance) as normal_balance,
        case coalesce(a.normal_balance, c.normal_balance) when 'credit' then -1 else 1 end as balance_sign,
        c.variance_favourable_when,
        a.account_type = 'expense' and not coalesce(r.is_non_operating, false) as is_operating_expense,
        coalesce(r.is_payroll_expense, false) as is_payroll_expense,
        coalesce(r.is_payables, false) as is_payables,
        b.bank_account_id,
        b.bank_account_id is not null as is_bank_cash
    from accounts a
    left join classes c on c.account_type = a.account_type
    left join roles_per_account r on r.account_code = a.account_code
    left join bank_accounts b on b.account_code = a.account_code
)

select * from final order by account_code
