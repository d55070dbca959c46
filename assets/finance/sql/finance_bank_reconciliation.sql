-- finance_bank_reconciliation: Book balance, bank balance and the reconciling items that explain the difference.
-- grain: one row per bank account per month
-- schema: marts
--
-- The statement files carry movements, not balances: the bank balance is opened with the ledger's
-- brought-forward cash balance (the statement's opening balance is taken to equal it) plus every bank line
-- to the month end. unexplained_difference_idr = (book - bank) - (book items - bank items) must be 0; a
-- non-zero value means a matched pair whose amounts differ, which the passes never create.
-- column: book_balance_idr: Cash balance in the ledger at the month end.
-- column: bank_balance_idr: Bank balance at the month end (brought-forward balance plus every bank line).
-- column: book_items_not_on_statement_idr: Ledger cash lines not on the statement by the month end.
-- column: n_book_items_not_on_statement: Number of those ledger lines.
-- column: statement_items_not_in_books_idr: Bank lines not in the books by the month end.
-- column: n_statement_items_not_in_books: Number of those bank lines.
-- column: unmatched_items_abs_idr: Absolute value of every unmatched item.
-- column: n_bank_lines: Bank lines of the month.
-- column: n_bank_lines_matched: Bank lines of the month matched to the ledger.
-- column: unexplained_difference_idr: (book - bank) - (book items - bank items): must be 0.
-- column: is_reconciled: True when the unexplained difference is 0.
with bank as (
    select * from core.fct_bank_transaction where txn_date is not null
),

book as (
    select * from core.fct_gl_line where bank_account_id is not null
),

items as (
    select * from marts.finance_bank_reconciling_items
),

matches as (
    select distinct bank_txn_id from core.fct_bank_match
),

bank_accounts as (
    select bank_account_id, account_code from core.map_bank_accounts
    union
    select distinct bank_account_id, null from bank where not is_account_mapped
),

month_ends as (
    select period, last_day(period) as period_end
    from (
        select unnest(generate_series(min(period), max(period), interval 1 month))::date as period
        from (
            select period from bank
            union all
            select period from book where not is_brought_forward
        )
    )
),

spine as (
    select a.bank_account_id, a.account_code, e.period, e.period_end
    from bank_accounts a
    cross join month_ends e
),

book_balances as (
    select s.bank_account_id, s.period,
           sum(g.amount_idr) as book_balance_idr,
           sum(g.amount_idr) filter (where g.is_brought_forward) as brought_forward_idr
    from spine s
    join book g on g.bank_account_id = s.bank_account_id and g.posting_date <= s.period_end
    group by all
),

bank_balances as (
    -- every bank line to the month end moves the balance; the month's own lines are counted
    select
        s.bank_account_id,
        s.period,
        sum(b.amount_idr) as bank_movements_idr,
        count(*) filter (where b.period = s.period) as n_bank_lines,
        count(m.bank_txn_id) filter (where b.period = s.period) as n_bank_lines_matched
    from spine s
    join bank b on b.bank_account_id = s.bank_account_id and b.txn_date <= s.period_end
    left join matches m using (bank_txn_id)
    group by all
),

item_totals as (
    select
        bank_account_id,
        period,
        coalesce(sum(amount_idr) filter (where side = 'book'), 0) as book_items_idr,
        count(*) filter (where side = 'book') as n_book_items,
        coalesce(sum(amount_idr) filter (where side = 'bank'), 0) as bank_items_idr,
        count(*) filter (where side = 'bank') as n_bank_items,
        coalesce(sum(abs(amount_idr)) filter (where match_status = 'unmatched'), 0) as unmatched_abs_idr
    from items
    group by all
),

balances as (
    select
        s.bank_account_id,
        s.account_code,
        s.period,
        s.period_end,
        coalesce(bb.book_balance_idr, 0) as book_balance_idr,
        coalesce(bb.brought_forward_idr, 0) + coalesce(kb.bank_movements_idr, 0) as bank_balance_idr,
        coalesce(bb.book_balance_idr, 0) - coalesce(bb.brought_forward_idr, 0) - coalesce(kb.bank_movements_idr, 0)
            as difference_idr,
        coalesce(t.book_items_idr, 0) as book_items_not_on_statement_idr,
        coalesce(t.n_book_items, 0) as n_book_items_not_on_statement,
        coalesce(t.bank_items_idr, 0) as statement_items_not_in_books_idr,
        coalesce(t.n_bank_items, 0) as n_statement_items_not_in_books,
        coalesce(t.unmatched_abs_idr, 0) as unmatched_items_abs_idr,
        coalesce(kb.n_bank_lines, 0) as n_bank_lines,
        coalesce(kb.n_bank_lines_matched, 0) as n_bank_lines_matched
    from spine s
    left join book_balances bb using (bank_account_id, period)
    left join bank_balances kb using (bank_account_id, period)
    left join item_totals t using (bank_account_id, period)
),

final as (
    select
        *,
        difference_idr - (book_items_not_on_statement_idr - statement_items_not_in_books_idr)
            as unexplained_difference_idr,
        difference_idr = book_items_not_on_statement_idr - statement_items_not_in_books_idr as is_reconciled
    from balances
)

select * from final order by bank_account_id, period
