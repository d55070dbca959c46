-- finance_bank_unmatched_items: Bank lines with no ledger entry and ledger cash lines with no bank line, with their age.
-- grain: one row per unmatched bank statement line or ledger cash line
-- schema: marts
--
-- side 'bank': on the statement, not in the books (unrecorded charge, unknown transfer); side 'book': in the
-- books, not on the statement (unpresented payment, deposit in transit, wrong posting). age_days is counted to
-- the account's latest bank or ledger date; is_aged when older than unreconciled_ageing_days.
-- column: journal_id: Journal of the ledger line (side book).
-- column: as_of_date: Latest date of the bank account's data the age is counted to.
with params as (
    select * from core.finance_parameters
),

bank as (
    select * from core.fct_bank_transaction where txn_date is not null
),

book as (
    select * from core.fct_gl_line where is_ledger_cash_line(bank_account_id, is_brought_forward, amount_idr)
),

matches as (
    select * from core.fct_bank_match
),

unmatched_bank as (
    select
        'bank' as side, b.bank_account_id, b.bank_txn_id, null::varchar as journal_id, null::integer as line_no,
        b.txn_date as item_date, b.amount_idr, b.description, b.reference, b.counterparty
    from bank b
    anti join matches m using (bank_txn_id)
),

unmatched_book as (
    select
        'book', g.bank_account_id, null, g.journal_id, g.line_no, g.posting_date, g.amount_idr, g.description,
        g.reference, null
    from book g
    anti join matches m using (journal_id, line_no)
),

items as (
    select * from unmatched_bank
    union all
    select * from unmatched_book
),

as_of as (
    select bank_account_id, max(day) as as_of_date
    from (
        select bank_account_id, txn_date as day from bank
        union all
        select bank_account_id, posting_date from book
    )
    group by bank_account_id
),

final as (
    select
        i.side,
        i.bank_account_id,
        i.bank_txn_id,
        i.journal_id,
        i.line_no,
        i.item_date,
        date_trunc('month', i.item_date)::date as period,
        i.amount_idr,
        i.description,
        i.reference,
        i.counterparty,
        a.as_of_date,
        date_diff('day', i.item_date, a.as_of_date) as age_days,
        date_diff('day', i.item_date, a.as_of_date) > p.unreconciled_ageing_days as is_aged
    from items i
    left join as_of a using (bank_account_id)
    cross join params p
)

select * from final order by bank_account_id, item_date, side, bank_txn_id, journal_id, line_no
