-- spend_by_supplier: how much each supplier was paid in the real spend and ledger sets, largest first.
-- grain: one row per source, currency and supplier
-- schema: marts
--
-- Lambeth monthly supplier totals (GBP, 2011-01 .. 2012-05; each file's 'Grand Total' row left out), Lambeth
-- 2012-06 invoice detail (GBP), and Cordova ledger lines with a vendor (USD, debit - credit). share_pct is the
-- supplier's share of its source's total; rank_in_source orders suppliers by amount.
with monthly as (
    select * from staging.stg_lambeth__supplier_spend
),

detail as (
    select * from staging.stg_lambeth__payment_detail
),

cordova as (
    select * from staging.stg_alaska__gl_cordova
),

lines as (
    select 'lambeth_monthly_totals' as source, 'GBP' as currency, trim(supplier_name) as supplier_name,
           amount_gbp as amount, _source_path
    from monthly
    where supplier_name <> 'Grand Total'
    union all
    select 'lambeth_payment_detail', 'GBP', trim(supplier_name), amount_gbp, _source_path
    from detail
    where body = 'Lambeth' and supplier_name is not null
    union all
    select 'alaska_gl_cordova', 'USD', trim(vendor_name), debit_usd - credit_usd, _source_path
    from cordova
    where nullif(trim(vendor_name), '') is not null
),

by_supplier as (
    select source, currency, supplier_name, count(*) as n_lines, count(distinct _source_path) as n_files,
           sum(amount) as amount
    from lines
    group by all
),

final as (
    select
        *,
        round(amount / sum(amount) over (partition by source) * 100, 4) as share_pct,
        rank() over (partition by source order by amount desc) as rank_in_source
    from by_supplier
)

select * from final order by source, rank_in_source, supplier_name
