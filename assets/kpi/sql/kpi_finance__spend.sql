-- kpi_finance__spend: Supplier spend outside the invoice workflow: total, suppliers paid and concentration on the ten largest.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
-- needs: spend_transactions.amount, spend_transactions.transaction_date
--
-- From core.fct_spend_transaction (supplier payment files, card and expense statements), in the reporting
-- currency, by the month of the transaction date and the department on the line (none: UNASSIGNED):
--   spend_total                    = sum(amount)
--   spend_supplier_count           = distinct suppliers paid (vendor_key: the vendor id, else the normalised name);
--                                    ALL counts a supplier paid by two departments once
--   spend_top10_supplier_share_pct = spend with the 10 suppliers paid most in the group and month / spend_total * 100
-- Months run from the first to the last month with spend (inside the reporting window): a month in between with
-- no spend is 0 (a missing monthly file shows), months outside the source's range have no rows, and a company
-- with no spend source has none at all.
with periods as (
    select * from core.dim_period
),

spend as (
    select * from core.fct_spend_transaction
),

lines as (
    select s.period, coalesce(s.department_id, 'UNASSIGNED') as department_id, s.vendor_key, s.amount_idr
    from spend s
    where s.period in (select period from periods)
),

spend_months as (
    select p.period
    from periods p
    where p.period between (select min(period) from lines) and (select max(period) from lines)
),

groups as (
    select distinct department_id from lines
    union all
    select 'ALL'
    where exists (select 1 from lines)
),

spine as (
    select m.period, g.department_id
    from spend_months m
    cross join groups g
),

by_supplier as (
    select
        period,
        case when grouping(department_id) = 1 then 'ALL' else department_id end as department_id,
        vendor_key,
        sum(amount_idr) as amount_idr
    from lines
    group by grouping sets ((period, department_id, vendor_key), (period, vendor_key))
),

ranked as (
    select
        *,
        row_number() over (partition by period, department_id order by amount_idr desc, vendor_key) as supplier_rank
    from by_supplier
),

by_group as (
    select
        s.period,
        s.department_id,
        coalesce(sum(r.amount_idr), 0) as spend_idr,
        count(r.supplier_rank) as n_suppliers,
        coalesce(sum(r.amount_idr) filter (where r.supplier_rank <= 10), 0) as top10_idr
    from spine s
    left join ranked r using (period, department_id)
    group by s.period, s.department_id
),

final as (
    select period, department_id, unnest([
        kpi_total_row('spend_total', spend_idr),
        kpi_total_row('spend_supplier_count', n_suppliers),
        kpi_pct_row('spend_top10_supplier_share_pct', top10_idr, spend_idr)
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
