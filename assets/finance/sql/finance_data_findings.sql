-- finance_data_findings: Finance source rows that loaded but cannot be trusted as they are, each with a sentence to act on.
-- grain: one row per finding (entity, key, finding type)
-- schema: marts
--
-- Journal problems (unbalanced, unknown account, closed period) are blocking checks on the ledger lines and
-- are listed in the check results; rows that break a contract are in quarantine.*. This table lists the rest:
-- supplier invoices whose dates run backwards or that are missing a date, bank lines on an account the
-- ledger does not know, budget rows with an unknown category or period.
-- column: finding_type: What is wrong with the row, as a code.
-- column: key: The row's key (invoice, journal line, bank line).
with invoices as (
    select * from core.fct_ap_invoice
),

bank as (
    select * from core.fct_bank_transaction
),

budgets as (
    select * from core.fct_budget
),

invoice_findings as (
    select
        'ap_invoice_dates' as finding_type,
        'ap_invoices' as entity,
        invoice_id as key,
        coalesce(received_period, date_trunc('month', invoice_date)::date) as period,
        amount_idr,
        'Invoice ' || invoice_id || ' of vendor ' || vendor_id || ': ' || problem
            || '. Check the dates in the AP system.' as description
    from invoices
    where problem is not null
),

bank_findings as (
    select
        'bank_account_unmapped',
        'bank_transactions',
        bank_txn_id,
        period,
        amount_idr,
        'Bank line ' || bank_txn_id || ' is on account ' || bank_account_id
            || ', which has no ledger cash account in assets/finance/config/bank_accounts.csv; it cannot be matched.'
    from bank
    where not is_account_mapped
),

budget_findings as (
    select
        'budget_unknown_category',
        'budgets',
        coalesce(period::varchar, '?') || '/' || department_id || '/' || account_category,
        period,
        budget_idr,
        'Budget of ' || department_id || ' for category ' || account_category
            || ' names no reporting category of the chart of accounts (or no valid period); it is not compared.'
    from budgets
    where account_type is null or period is null
),

final as (
    select * from invoice_findings
    union all
    select * from bank_findings
    union all
    select * from budget_findings
)

select * from final order by finding_type, period, key
