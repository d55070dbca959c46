-- fct_gl_line: General-ledger journal lines with their account, journal balance and closed-period flags.
-- grain: one row per journal line
-- schema: core
-- needs: gl_entries.account_code, gl_entries.posting_date, gl_entries.debit_idr|gl_entries.credit_idr, chart_of_accounts.account_code, chart_of_accounts.account_type
--
-- Every staged line is kept, also lines whose account is not in the chart (is_account_known = false) or whose
-- journal does not balance: the blocking checks in checks/finance.py report them instead of dropping them.
-- is_partial_ledger marks lines of a source that declares itself a partial export of its ledger (e.g. an
-- expenditure-side extract): its journals need not balance and its accounts may be missing from the chart, so
-- those checks record its lines as warnings rather than blocking.
-- amount_idr = debit - credit (debit positive); cost_center is the department's, from the HR department master. period is the ledger period of the line (its own `period`
-- column, else the month of the posting date).
-- A period is closed from the lock date in config/period_locks.csv, else from the entry date of the ledger's
-- own closing journal for it (source = close_journal_source, not a brought-forward journal). A line entered
-- after its period closed is a posting in a closed period.
-- column: entry_date: The day the entry was keyed in (the posting date when the export has none).
-- column: is_account_known: True when the account is in the chart of accounts.
-- column: is_partial_ledger: True for a line of a source that declares itself a partial export of its ledger.
-- column: is_brought_forward: True for an opening-balance line (a balance brought forward, not an entry).
-- column: journal_debit_idr: Total debits of the line's journal.
-- column: journal_credit_idr: Total credits of the line's journal.
-- column: is_journal_balanced: True when the journal's debits equal its credits.
-- column: is_close_journal: True for a line of the ledger's own closing journal.
-- column: period_closed_on: The day the line's period was closed (lock file or closing journal), if it was.
-- column: close_source: What closed the period: lock_file or close_journal.
-- column: is_posted_in_closed_period: True when the line was entered after its period closed.
with lines as (
    select * from canonical.gl_entries
),

accounts as (
    select * from core.dim_account
),

departments as (
    select * from canonical.departments
),

locks as (
    select * from core.map_period_locks
),

params as (
    select * from core.finance_parameters
),

typed as (
    select
        l.journal_id,
        l.line_no,
        coalesce(
            try_strptime(l.period || '-01', '%Y-%m-%d')::date, date_trunc('month', l.posting_date)::date
        ) as period,
        l.posting_date,
        coalesce(l.entry_date, l.posting_date) as entry_date,
        l.account_code,
        l.department_id,
        l.description,
        coalesce(l.debit_idr, 0) as debit_idr,
        coalesce(l.credit_idr, 0) as credit_idr,
        l.source,
        l.reference,
        l.created_by,
        l.approved_by,
        coalesce(l.is_partial_ledger, false) as is_partial_ledger,
        l.source = p.brought_forward_source
            and list_contains(p.brought_forward_references, l.reference) as is_brought_forward,
        l.source = p.close_journal_source as is_close_source
    from lines l
    cross join params p
),

ledger_closes as (
    select period, max(entry_date) as closed_on
    from typed
    where is_close_source and not is_brought_forward
    group by period
),

locked_periods as (
    select try_strptime(period || '-01', '%Y-%m-%d')::date as period, min(locked_on) as locked_on
    from locks
    group by all
),

closes as (
    select
        period,
        coalesce(k.locked_on, c.closed_on) as closed_on,
        case when k.period is not null then 'period_lock' else 'closing_journal' end as close_source
    from ledger_closes c
    full join locked_periods k using (period)
),

journals as (
    select
        journal_id,
        sum(debit_idr) as journal_debit_idr,
        sum(credit_idr) as journal_credit_idr,
        bool_or(is_close_source and not is_brought_forward) as is_close_journal
    from typed
    group by journal_id
),

final as (
    select
        t.journal_id,
        t.line_no,
        t.period,
        t.posting_date,
        t.entry_date,
        t.account_code,
        a.account_name,
        a.account_type,
        a.reporting_category,
        a.account_code is not null as is_account_known,
        coalesce(a.is_operating_expense, false) as is_operating_expense,
        coalesce(a.is_payroll_expense, false) as is_payroll_expense,
        coalesce(a.is_payables, false) as is_payables,
        a.bank_account_id,
        t.department_id,
        d.cost_center,
        t.description,
        t.debit_idr,
        t.credit_idr,
        t.debit_idr - t.credit_idr as amount_idr,
        t.source,
        t.reference,
        t.created_by,
        t.approved_by,
        t.is_partial_ledger,
        t.is_brought_forward,
        j.journal_debit_idr,
        j.journal_credit_idr,
        j.journal_debit_idr = j.journal_credit_idr as is_journal_balanced,
        j.is_close_journal,
        c.closed_on as period_closed_on,
        c.close_source,
        coalesce(c.closed_on < t.entry_date and not j.is_close_journal, false) as is_posted_in_closed_period
    from typed t
    join journals j using (journal_id)
    left join accounts a using (account_code)
    left join departments d using (department_id)
    left join closes c using (period)
)

select * from final order by period, journal_id, line_no
