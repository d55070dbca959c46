-- kpi_hr__turnover: Annual turnover as the trailing-12-month sum of the monthly turnover rates (SHRM method).
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Formula (docs/kpi_definitions.md 1.1-1.2, SHRM HR Answers [S2]):
--   turnover_rate_annual_pct = sum of turnover_rate_monthly_pct (kpi_hr__workforce) over the month and the 11
--                              before it; numerator = that sum, denominator = the number of months with a rate
--   When the reporting window holds fewer than 12 months with a rate (its first 11 months, or a department that
--   had nobody for a while) the sum is annualised linearly: value = sum * 12 / months with a rate. The
--   denominator shows how many months the figure rests on; 12 means no annualisation.
with workforce as (
    select * from marts.kpi_hr__workforce
),

monthly as (
    select period, department_id, value as turnover_rate_monthly_pct
    from workforce
    where kpi_code = 'turnover_rate_monthly_pct'
),

trailing_12_months as (
    select
        m.period,
        m.department_id,
        sum(t.turnover_rate_monthly_pct) as sum_monthly_rates_pct,
        count(t.turnover_rate_monthly_pct) as n_months
    from monthly m
    left join monthly t
        on t.department_id = m.department_id
        and t.period > m.period - interval 12 month
        and t.period <= m.period
    group by m.period, m.department_id
),

final as (
    select
        period,
        department_id,
        'turnover_rate_annual_pct' as kpi_code,
        kpi_ratio(sum_monthly_rates_pct * 12, n_months)::double as value,
        sum_monthly_rates_pct::double as numerator,
        n_months::double as denominator
    from trailing_12_months
)

select * from final order by period, department_id, kpi_code
