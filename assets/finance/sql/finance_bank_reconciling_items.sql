-- finance_bank_reconciling_items: Items that explain the difference between book and bank balance at each month end.
-- grain: one row per month end per bank account per outstanding bank line or ledger cash line
-- schema: marts
--
-- At a month end a ledger cash line dated on or before it is outstanding when it has no bank line on or
-- before the month end (unmatched, or matched to a later bank line); a bank line is outstanding by the part
-- of its amount whose ledger lines are not yet posted by the month end. Then
--   book balance - bank balance = book items outstanding - bank items outstanding   (amounts signed)
-- match_status: 'unmatched' (no counterpart at all) or 'timing' (the counterpart comes after the month end).
-- column: bank_txn_id: The bank line (side bank).
-- column: match_status: unmatched at the month end, or matched later.
-- column: matched_date: The day the other side of a later match is dated.
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

month_ends as (
    select period, last_day(period) as period_end
    from (
        select unnest(generate_series(min(period), max(period), interval 1 month))::date as period
        from (
            select period from bank
            union all
            select period from book
        )
    )
),

book_counterparts as (
    select g.*, m.txn_date as matched_date
    from book g
    left join matches m using (journal_id, line_no)
),

book_items as (
    select
        e.period, e.period_end, g.bank_account_id, 'book' as side, null::varchar as bank_txn_id, g.journal_id,
        g.line_no, g.posting_date as item_date, g.amount_idr, g.matched_date,
        g.description, g.reference
    from book_counterparts g
    join month_ends e
        on g.posting_date <= e.period_end and e.period_end < coalesce(g.matched_date, date '9999-12-31')
),

bank_totals as (
    select bank_txn_id, sum(book_amount_idr) as booked_idr, max(posting_date) as last_posted
    from matches
    group by bank_txn_id
),

bank_booked as (
    -- the month ends a bank line can be outstanding at: from its date, until its last ledger line is posted
    -- unless it stays partly unbooked (bank_txn_id is the key of core.fct_bank_transaction)
    select
        e.period, e.period_end, b.bank_txn_id,
        sum(m.book_amount_idr) filter (where m.posting_date <= e.period_end) as booked_idr,
        max(m.posting_date) as matched_date
    from bank b
    left join bank_totals t using (bank_txn_id)
    join month_ends e
        on b.txn_date <= e.period_end
        and (e.period_end < t.last_posted or b.amount_idr <> coalesce(t.booked_idr, 0))
    left join matches m using (bank_txn_id)
    group by e.period, e.period_end, b.bank_txn_id
),

bank_items as (
    select
        k.period, k.period_end, b.bank_account_id, 'bank', b.bank_txn_id, null, null, b.txn_date,
        b.amount_idr - coalesce(k.booked_idr, 0), k.matched_date, b.description, b.reference
    from bank_booked k
    join bank b using (bank_txn_id)
    where b.amount_idr - coalesce(k.booked_idr, 0) <> 0
),

items as (
    select * from book_items
    union all
    select * from bank_items
),

final as (
    select
        i.period,
        i.period_end,
        i.bank_account_id,
        i.side,
        i.bank_txn_id,
        i.journal_id,
        i.line_no,
        i.item_date,
        i.amount_idr,
        case when i.matched_date is null then 'unmatched' else 'timing' end as match_status,
        i.matched_date,
        date_diff('day', i.item_date, i.period_end) as age_days,
        date_diff('day', i.item_date, i.period_end) > p.unreconciled_ageing_days as is_aged,
        i.description,
        i.reference
    from items i
    cross join params p
)

select * from final order by period, bank_account_id, side, item_date, bank_txn_id, journal_id, line_no
