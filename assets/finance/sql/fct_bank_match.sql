-- fct_bank_match: Bank statement lines matched to ledger cash lines, with the pass that matched them.
-- grain: one row per matched pair of bank line and ledger cash line (a batched bank line has several)
-- schema: core
--
-- Ledger cash lines are the lines on an account mapped to a bank account (config/bank_accounts.csv), except
-- brought-forward balances. Each line is matched at most once; windows are in core.finance_parameters.
--   pass 1 reference    same bank account, same reference, same amount, dates within reference_window_days
--   pass 2 amount_date  same bank account and amount, dates within amount_date_window_days (two rounds)
--   pass 3 one_to_many  one bank line = the sum of several ledger lines of one reference (or, without a
--                       reference, of one journal), every date within batch_window_days; a reference must
--                       equal the bank line's reference or appear in its description (payroll batches)
-- Within a pass a pair is taken only when each side is the other's closest candidate (fewest days apart, then
-- the lowest id), so ties never match one line twice.
-- column: bank_amount_idr: Amount of the bank line.
-- column: book_amount_idr: Amount of the matched ledger cash line(s).
-- column: days_apart: Days between the bank date and the ledger posting date.
-- column: match_pass: Pass that matched the pair (1 reference, 2 amount_date, 3 one_to_many).
-- column: match_rule: Name of the matching pass.
-- column: n_book_lines: Ledger lines matched to the bank line.
with params as (
    select * from core.finance_parameters
),

bank as (
    select bank_txn_id, bank_account_id, txn_date, amount_idr,
           coalesce(reference, '') as reference, coalesce(description, '') as description
    from core.fct_bank_transaction
    where txn_date is not null and amount_idr is not null and amount_idr <> 0
),

book as (
    select journal_id, line_no, bank_account_id, posting_date, amount_idr, coalesce(reference, '') as reference
    from core.fct_gl_line
    where is_ledger_cash_line(bank_account_id, is_brought_forward, amount_idr)
),

pass_1_candidates as (
    select b.bank_txn_id, g.journal_id, g.line_no, abs(date_diff('day', g.posting_date, b.txn_date)) as days_apart
    from bank b
    join book g on g.bank_account_id = b.bank_account_id and g.reference = b.reference and g.amount_idr = b.amount_idr
    cross join params p
    where b.reference <> '' and abs(date_diff('day', g.posting_date, b.txn_date)) <= p.reference_window_days
),

pass_1 as (
    select bank_txn_id, journal_id, line_no, 1 as match_pass, 'reference' as match_rule
    from pass_1_candidates
    qualify is_closest_match(bank_txn_id, journal_id, line_no, days_apart)
),

bank_after_1 as (
    select * from bank anti join pass_1 using (bank_txn_id)
),

book_after_1 as (
    select * from book anti join pass_1 using (journal_id, line_no)
),

pass_2a_candidates as (
    select b.bank_txn_id, g.journal_id, g.line_no, abs(date_diff('day', g.posting_date, b.txn_date)) as days_apart
    from bank_after_1 b
    join book_after_1 g on g.bank_account_id = b.bank_account_id and g.amount_idr = b.amount_idr
    cross join params p
    where abs(date_diff('day', g.posting_date, b.txn_date)) <= p.amount_date_window_days
),

pass_2a as (
    select bank_txn_id, journal_id, line_no, 2 as match_pass, 'amount_date' as match_rule
    from pass_2a_candidates
    qualify is_closest_match(bank_txn_id, journal_id, line_no, days_apart)
),

-- second round: a line whose closest candidate was taken by a closer pair may still have another one
pass_2b_candidates as (
    select c.*
    from pass_2a_candidates c
    anti join pass_2a a1 on a1.bank_txn_id = c.bank_txn_id
    anti join pass_2a a2 on a2.journal_id = c.journal_id and a2.line_no = c.line_no
),

pass_2b as (
    select bank_txn_id, journal_id, line_no, 2 as match_pass, 'amount_date' as match_rule
    from pass_2b_candidates
    qualify is_closest_match(bank_txn_id, journal_id, line_no, days_apart)
),

pass_2 as (
    select * from pass_2a
    union all
    select * from pass_2b
),

bank_after_2 as (
    select * from bank_after_1 anti join pass_2 using (bank_txn_id)
),

book_after_2 as (
    select *, case when reference <> '' then 'ref:' || reference else 'journal:' || journal_id end as group_key
    from book_after_1 anti join pass_2 using (journal_id, line_no)
),

book_groups as (
    select
        bank_account_id,
        group_key,
        any_value(reference) as reference,
        sum(amount_idr) as amount_idr,
        min(posting_date) as first_date,
        max(posting_date) as last_date
    from book_after_2
    group by bank_account_id, group_key
    having count(*) > 1
),

pass_3_candidates as (
    select
        b.bank_txn_id,
        g.bank_account_id,
        g.group_key,
        greatest(
            abs(date_diff('day', g.first_date, b.txn_date)), abs(date_diff('day', g.last_date, b.txn_date))
        ) as days_apart
    from bank_after_2 b
    join book_groups g on g.bank_account_id = b.bank_account_id and g.amount_idr = b.amount_idr
    cross join params p
    where greatest(
            abs(date_diff('day', g.first_date, b.txn_date)), abs(date_diff('day', g.last_date, b.txn_date))
        ) <= p.batch_window_days
        and (g.reference = '' or b.reference = g.reference or contains(b.description, g.reference))
),

pass_3_groups as (
    select *
    from pass_3_candidates
    qualify row_number() over (partition by bank_txn_id order by days_apart, group_key) = 1
        and row_number() over (partition by bank_account_id, group_key order by days_apart, bank_txn_id) = 1
),

pass_3 as (
    select m.bank_txn_id, g.journal_id, g.line_no, 3 as match_pass, 'one_to_many' as match_rule
    from pass_3_groups m
    join book_after_2 g using (bank_account_id, group_key)
),

matches as (
    select * from pass_1
    union all
    select * from pass_2
    union all
    select * from pass_3
),

final as (
    select
        m.bank_txn_id,
        b.bank_account_id,
        b.txn_date,
        b.amount_idr as bank_amount_idr,
        m.journal_id,
        m.line_no,
        g.posting_date,
        g.amount_idr as book_amount_idr,
        date_diff('day', g.posting_date, b.txn_date) as days_apart,
        m.match_pass,
        m.match_rule,
        count(*) over (partition by m.bank_txn_id) as n_book_lines
    from matches m
    join bank b using (bank_txn_id)
    join book g using (journal_id, line_no)
)

select * from final order by txn_date, bank_txn_id, journal_id, line_no
