-- lambeth_grand_total_check: each Lambeth monthly supplier file's own Grand Total against the sum of its supplier rows.
-- grain: one row per landed monthly file (source_path)
-- schema: marts
--
-- detail_gbp    = sum of the staged supplier rows of the file (the 'Grand Total' row itself left out)
-- grand_total   = the staged 'Grand Total' row; when the file has none staged, the amount after 'Grand Total,' in
--                 a quarantined line of the file (2011-11 lost its line breaks: suppliers and the total are fused
--                 into one quarantined line), else null
-- difference    = grand_total - detail_gbp; status: reconciles (|difference| < 0.01), differs, or no_grand_total.
-- The explanation names the quarantined rows of the file, which is where a difference usually comes from.
-- This report reconciles a source file with itself, in the file's currency, so it reads the staged and
-- quarantined rows of the contract: the 'Grand Total' rows it checks against are (rightly) filtered out of
-- canonical.spend_transactions, and canonical amounts are converted to the reporting currency.
with staged as (
    select * from staging.stg_lambeth__supplier_spend
),

quarantined as (
    select * from quarantine.lambeth__supplier_spend
),

files as (
    select source_path, rows_read, rows_staged, rows_quarantined
    from meta.load_manifest
    where contract = 'lambeth__supplier_spend' and status = 'loaded'
),

detail as (
    select
        _source_path as source_path,
        count(*) filter (where supplier_name <> 'Grand Total') as n_supplier_rows,
        sum(amount_gbp) filter (where supplier_name <> 'Grand Total') as detail_gbp,
        max(amount_gbp) filter (where supplier_name = 'Grand Total') as staged_grand_total_gbp,
        count(*) filter (where supplier_name = 'Grand Total') as n_grand_total_rows
    from staged
    group by _source_path
),

quarantined_totals as (
    select
        _source_path as source_path,
        max(try_cast(replace(regexp_extract(record, 'Grand Total\s*,\s*"?([0-9][0-9,]*\.?[0-9]*)', 1), ',', '')
            as decimal(18, 2))) as quarantined_grand_total_gbp,
        count(*) as n_quarantined_rows
    from quarantined
    group by _source_path
),

joined as (
    select
        f.source_path,
        regexp_extract(f.source_path, '(\d{4}-\d{2})-payments', 1) as month,
        f.rows_read,
        f.rows_staged,
        f.rows_quarantined,
        coalesce(d.n_supplier_rows, 0) as n_supplier_rows,
        coalesce(d.detail_gbp, 0) as detail_gbp,
        coalesce(d.staged_grand_total_gbp, q.quarantined_grand_total_gbp) as grand_total_gbp,
        case
            when d.staged_grand_total_gbp is not null then 'staged row'
            when q.quarantined_grand_total_gbp is not null then 'quarantined line'
        end as grand_total_source,
        coalesce(d.n_grand_total_rows, 0) as n_grand_total_rows
    from files f
    left join detail d using (source_path)
    left join quarantined_totals q using (source_path)
),

final as (
    select
        *,
        grand_total_gbp - detail_gbp as difference_gbp,
        case
            when grand_total_gbp is null then 'no_grand_total'
            when abs(grand_total_gbp - detail_gbp) < 0.01 then 'reconciles'
            else 'differs'
        end as status,
        case
            when grand_total_gbp is null then
                'The file has no Grand Total row: its ' || n_supplier_rows || ' supplier rows sum to £'
                || format('{:,.2f}', detail_gbp) || ' and nothing in the file confirms it.'
            when abs(grand_total_gbp - detail_gbp) < 0.01 then
                'Grand Total £' || format('{:,.2f}', grand_total_gbp) || ' equals the sum of the '
                || n_supplier_rows || ' supplier rows.'
            else
                'Grand Total £' || format('{:,.2f}', grand_total_gbp) || ' (' || grand_total_source
                || ') differs from the sum of the ' || n_supplier_rows || ' staged supplier rows, £'
                || format('{:,.2f}', detail_gbp) || ', by £' || format('{:,.2f}', grand_total_gbp - detail_gbp)
                || case when rows_quarantined > 0
                    then '; ' || rows_quarantined || ' row(s) of the file are in quarantine.lambeth__supplier_spend'
                    else '' end || '.'
        end as explanation
    from joined
)

select * from final order by source_path
