-- spend_by_supplier: how much each supplier was paid in the spend files and the ledgers, largest first.
-- grain: one row per source, currency and supplier
-- schema: marts
-- needs: spend_transactions.vendor_name|gl_entries.vendor_name
--
-- From the canonical tables, in the reporting currency (getvariable('currency')): every spend transaction
-- (canonical.spend_transactions; source = the contract, e.g. lambeth_supplier_spend for Lambeth's monthly
-- supplier totals 2011-01 .. 2012-05 without their Grand Total rows, lambeth_payment_detail for the 2012-06
-- invoices) and every ledger line that names a supplier (canonical.gl_entries.vendor_name; source
-- '<contract>', e.g. alaska_gl_cordova, debit - credit). share_pct is the supplier's share of its source's total;
-- rank_in_source orders suppliers by amount.
with spend as (
    select * from canonical.spend_transactions
),

entries as (
    select * from canonical.gl_entries
),

lines as (
    select replace(_source_contract, '__', '_') as source, getvariable('currency') as currency,
           trim(coalesce(vendor_name, vendor_id)) as supplier_name, amount, _source_path
    from spend
    where nullif(trim(coalesce(vendor_name, vendor_id)), '') is not null
    union all
    select replace(_source_contract, '__', '_'), getvariable('currency'), trim(vendor_name),
           coalesce(debit_idr, 0) - coalesce(credit_idr, 0), _source_path
    from entries
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
