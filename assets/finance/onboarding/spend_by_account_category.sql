-- spend_by_account_category: where the money goes in the ledgers and the spend files, by account category.
-- grain: one row per source, entity, fiscal year and account category
-- schema: marts
-- needs: gl_entries.account_code|spend_transactions.category, gl_entries.debit_idr|spend_transactions.amount
--
-- From the canonical tables, in the reporting currency (getvariable('currency')):
-- - ledgers (canonical.gl_entries; source '<system>_gl', entity = the line's department, e.g. the school district):
--   lines on expense accounts of the chart (canonical.chart_of_accounts, account_type 'expense'), signed debit -
--   credit (a credit reduces spend), grouped by the chart's own group heading (account_group, e.g. Alaska's
--   Top_Name; else its reporting category). A line whose account is missing from the chart but whose code lies
--   between the chart's expense codes is its own category, 'unmapped object code <code>', so no spend
--   disappears. Fiscal year: July-June, from the ledger period (FY2019 = 2018-07 .. 2019-06).
-- - spend files that name a category (canonical.spend_transactions; source = the contract, entity = the
--   source system, e.g. Lambeth's 2012-06 invoice detail and its subjective description): calendar year of the
--   transaction; a line without a category is 'no description'.
with entries as (
    select * from canonical.gl_entries
),

chart as (
    select * from canonical.chart_of_accounts
),

spend as (
    select * from canonical.spend_transactions
),

expense_range as (
    select min(account_code) as first_code, max(account_code) as last_code
    from chart
    where account_type = 'expense'
),

ledger_lines as (
    select
        e.source_system || '_gl' as source,
        coalesce(e.department_id, e.source_system) as entity,
        year(
            coalesce(try_strptime(e.period || '-01', '%Y-%m-%d')::date, e.posting_date) + interval 6 month
        ) as fiscal_year,
        e.account_code,
        c.account_code is not null as is_in_chart,
        coalesce(c.account_group, c.category) as account_group,
        c.account_type,
        coalesce(e.debit_idr, 0) - coalesce(e.credit_idr, 0) as amount
    from entries e
    left join chart c using (account_code)
),

ledger as (
    select
        l.source,
        l.entity,
        l.fiscal_year,
        getvariable('currency') as currency,
        case when l.is_in_chart then l.account_group else 'unmapped object code ' || l.account_code end
            as account_category,
        count(*) as n_lines,
        sum(l.amount) as amount
    from ledger_lines l
    cross join expense_range r
    where l.account_type = 'expense'
        or (not l.is_in_chart and l.account_code between r.first_code and r.last_code)
    group by all
),

categorised_spend as (
    select
        replace(s._source_contract, '__', '_') as source,
        s.source_system as entity,
        year(s.transaction_date) as fiscal_year,
        getvariable('currency') as currency,
        coalesce(nullif(trim(s.category), ''), 'no description') as account_category,
        count(*) as n_lines,
        sum(s.amount) as amount
    from spend s
    where s._source_contract in (select _source_contract from spend where category is not null)
    group by all
),

final as (
    select * from ledger
    union all
    select * from categorised_spend
)

select * from final order by source, entity, fiscal_year, amount desc, account_category
