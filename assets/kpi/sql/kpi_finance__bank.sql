-- kpi_finance__bank: Bank reconciliation match rate (count and value) and the unreconciled amount and its age.
-- grain: one row per month per KPI code, company level only (department_id = ALL)
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.3, bank reconciliation match rate):
--   bank_match_rate_count_pct         = bank lines of the month matched to the ledger / bank lines * 100
--   bank_match_rate_value_pct         = sum |amount| of matched bank lines / sum |amount| of bank lines * 100
--   bank_unreconciled_amount_idr      = sum |amount| of the reconciling items at the month end, both sides
--                                       (marts.finance_bank_reconciling_items)
--   bank_unreconciled_avg_age_days    = mean age of those items in days at the month end
--   bank_unreconciled_aged_amount_idr = sum |amount| of those items older than unreconciled_ageing_days
with periods as (
    select * from core.dim_period
),

bank as (
    select * from core.fct_bank_transaction where txn_date is not null
),

matched as (
    select distinct bank_txn_id from core.fct_bank_match
),

items as (
    select * from marts.finance_bank_reconciling_items
),

lines as (
    select
        p.period,
        count(b.period) as n_lines,
        count(m.bank_txn_id) as n_matched,
        coalesce(sum(abs(b.amount_idr)), 0) as value_idr,
        coalesce(sum(abs(b.amount_idr)) filter (where m.bank_txn_id is not null), 0) as matched_value_idr
    from periods p
    left join bank b using (period)
    left join matched m using (bank_txn_id)
    group by p.period
),

outstanding as (
    select
        p.period,
        coalesce(sum(abs(i.amount_idr)), 0) as unreconciled_idr,
        count(i.period) as n_items,
        coalesce(sum(i.age_days), 0) as age_days_sum,
        coalesce(sum(abs(i.amount_idr)) filter (where i.is_aged), 0) as aged_amount_idr
    from periods p
    left join items i using (period)
    group by p.period
),

final as (
    select period, 'ALL' as department_id, unnest([
        kpi_pct_row('bank_match_rate_count_pct', n_matched, n_lines),
        kpi_pct_row('bank_match_rate_value_pct', matched_value_idr, value_idr),
        kpi_total_row('bank_unreconciled_amount_idr', unreconciled_idr),
        kpi_ratio_row('bank_unreconciled_avg_age_days', age_days_sum, n_items),
        kpi_total_row('bank_unreconciled_aged_amount_idr', aged_amount_idr)
    ], recursive := true)
    from lines
    join outstanding using (period)
)

select * from final order by period, kpi_code
