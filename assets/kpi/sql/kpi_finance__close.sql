-- kpi_finance__close: Days to close the books, where the ledger records a close.
-- grain: one row per month per KPI code, company level only (department_id = ALL)
-- schema: marts
--
-- Formula (docs/kpi_definitions.md 1.3, days to close): working days from the period end to the ledger lock or
-- the closing journal's entry date (core.fct_period_close). Null for a month whose close is not recorded.
with periods as (
    select * from core.dim_period
),

closes as (
    select * from core.fct_period_close
),

final as (
    select
        p.period,
        'ALL' as department_id,
        'days_to_close' as kpi_code,
        c.days_to_close::double as value,
        c.days_to_close::double as numerator,
        null::double as denominator
    from periods p
    left join closes c using (period)
)

select * from final order by period, kpi_code
