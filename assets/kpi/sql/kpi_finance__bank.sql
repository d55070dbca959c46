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
        b.period,
        count(*) as n_lines,
        count(m.bank_txn_id) as n_matched,
        sum(abs(b.amount_idr)) as value_idr,
        coalesce(sum(abs(b.amount_idr)) filter (where m.bank_txn_id is not null), 0) as matched_value_idr
    from bank b
    left join matched m using (bank_txn_id)
    group by b.period
),

outstanding as (
    select
        period,
        sum(abs(amount_idr)) as amount_idr,
        count(*) as n_items,
        sum(age_days) as age_days_sum,
        coalesce(sum(abs(amount_idr)) filter (where is_aged), 0) as aged_amount_idr
    from items
    group by period
),

monthly as (
    select
        p.period,
        coalesce(l.n_lines, 0) as n_lines,
        coalesce(l.n_matched, 0) as n_matched,
        coalesce(l.value_idr, 0) as value_idr,
        coalesce(l.matched_value_idr, 0) as matched_value_idr,
        coalesce(o.amount_idr, 0) as unreconciled_idr,
        coalesce(o.n_items, 0) as n_items,
        coalesce(o.age_days_sum, 0) as age_days_sum,
        coalesce(o.aged_amount_idr, 0) as aged_amount_idr
    from periods p
    left join lines l using (period)
    left join outstanding o using (period)
),

final as (
    select period, 'ALL' as department_id, 'bank_match_rate_count_pct' as kpi_code,
           case when n_lines > 0 then n_matched / n_lines * 100 end::double as value,
           n_matched::double as numerator, n_lines::double as denominator
    from monthly
    union all
    select period, 'ALL', 'bank_match_rate_value_pct',
           case when value_idr > 0 then matched_value_idr / value_idr * 100 end, matched_value_idr, value_idr
    from monthly
    union all
    select period, 'ALL', 'bank_unreconciled_amount_idr', unreconciled_idr, unreconciled_idr, null
    from monthly
    union all
    select period, 'ALL', 'bank_unreconciled_avg_age_days',
           case when n_items > 0 then age_days_sum / n_items end, age_days_sum, n_items
    from monthly
    union all
    select period, 'ALL', 'bank_unreconciled_aged_amount_idr', aged_amount_idr, aged_amount_idr, null
    from monthly
)

select * from final order by period, kpi_code
