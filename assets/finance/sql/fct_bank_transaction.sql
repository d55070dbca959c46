-- fct_bank_transaction: Bank statement lines with their month, direction and the ledger cash account behind them.
-- grain: one row per bank statement line
-- schema: core
-- needs: bank_transactions.txn_date, bank_transactions.amount_idr
-- column: gl_account_code: Ledger cash account of the bank account (config/bank_accounts.csv).
-- column: is_account_mapped: True when the bank account has a ledger cash account.
with bank as (
    select * from canonical.bank_transactions
),

bank_accounts as (
    select * from core.map_bank_accounts
),

final as (
    select
        b.bank_txn_id,
        b.bank_account_id,
        b.txn_date,
        date_trunc('month', b.txn_date)::date as period,
        b.amount_idr,
        case when b.amount_idr < 0 then 'out' else 'in' end as direction,
        b.description,
        b.reference,
        b.counterparty,
        m.account_code as gl_account_code,
        m.account_code is not null as is_account_mapped
    from bank b
    left join bank_accounts m using (bank_account_id)
)

select * from final order by txn_date, bank_txn_id
