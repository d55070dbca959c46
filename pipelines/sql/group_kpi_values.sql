-- group_kpi_values: The group's consolidation KPIs by month: the companies' values summed, intercompany lines left out.
-- grain: one row per month per consolidation KPI (pipelines/group_kpis.yaml)
-- schema: marts
--
-- value                    = sum over the consolidated companies of the company's value (department ALL)
--                            - intercompany_excluded
-- intercompany_excluded    = what the KPI's intercompany rule leaves out: for spend_transactions, the
--                            companies' spend paid to other group companies that month (marts.intercompany_spend)
-- A month counts the companies that have a value for it (n_companies, companies): a company whose data starts
-- later, or that cannot compute the KPI, adds nothing rather than a zero. Companies without a published night
-- are not consolidated at all (marts.dim_company says why).
-- column: value_before_intercompany: The companies' values summed, intercompany lines included.
-- column: intercompany_excluded: What was left out as intercompany (0 for a KPI without an intercompany rule).
-- column: n_companies: Companies with a value for the KPI in the month.
-- column: companies: Their codes.
with company_values as (
    select * from marts.company_kpi_values where department_id = 'ALL' and value is not null
),

kpis as (
    select * from group_kpis
),

intercompany as (
    select company_code, period, sum(amount) as amount
    from marts.intercompany_spend
    group by company_code, period
),

by_company as (
    select
        v.period,
        v.kpi_code,
        v.company_code,
        v.value,
        case when k.intercompany = 'spend_transactions' then coalesce(i.amount, 0) else 0 end as intercompany
    from company_values v
    join kpis k using (kpi_code)
    left join intercompany i using (company_code, period)
),

final as (
    select
        period,
        kpi_code,
        sum(value) - sum(intercompany) as value,
        sum(value) as value_before_intercompany,
        sum(intercompany) as intercompany_excluded,
        count(*) as n_companies,
        list(company_code order by company_code) as companies
    from by_company
    group by period, kpi_code
)

select * from final order by period, kpi_code
