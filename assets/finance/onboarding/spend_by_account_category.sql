-- spend_by_account_category: where the money goes in the real ledgers, by account category.
-- grain: one row per source, entity, fiscal year and account category
-- schema: marts
--
-- Alaska school districts (USD): ledger lines on expenditure object codes (3xx-5xx in the chart; the first digit
-- is the class), signed (a credit reduces spend), grouped by the chart's Top_Name; ARSD amounts are signed already,
-- Cordova's are debit - credit. An object code missing from the chart is its own category, 'unmapped object code
-- <code>', so no spend disappears. Lambeth 2012-06 invoice detail (GBP): the subjective (expense) description.
with arsd as (
    select * from staging.stg_alaska__gl_arsd
),

cordova as (
    select * from staging.stg_alaska__gl_cordova
),

chart as (
    select * from staging.stg_alaska__chart_of_accounts
),

lambeth_detail as (
    select * from staging.stg_lambeth__payment_detail
),

alaska_lines as (
    select 'alaska_gl' as source, district_name as entity, 2000 + fiscal_year_yy as fiscal_year, object_code,
           amount_usd as amount
    from arsd
    union all
    select 'alaska_gl', district_name, 2000 + fiscal_year_yy, object_code, debit_usd - credit_usd
    from cordova
),

alaska as (
    select
        l.source,
        l.entity,
        l.fiscal_year,
        'USD' as currency,
        coalesce(c.top_name, 'unmapped object code ' || l.object_code) as account_category,
        count(*) as n_lines,
        sum(l.amount) as amount
    from alaska_lines l
    left join chart c using (object_code)
    where l.object_code between '300' and '599'
    group by all
),

lambeth as (
    select
        'lambeth_payment_detail' as source,
        body as entity,
        year(invoice_date) as fiscal_year,
        'GBP' as currency,
        coalesce(nullif(trim(subjective_description), ''), 'no description') as account_category,
        count(*) as n_lines,
        sum(amount_gbp) as amount
    from lambeth_detail
    where body = 'Lambeth'
    group by all
),

final as (
    select * from alaska
    union all
    select * from lambeth
)

select * from final order by source, entity, fiscal_year, amount desc, account_category
