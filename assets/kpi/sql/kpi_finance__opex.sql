-- kpi_finance__opex: Operating expense in total and by reporting category, and payroll cost as a share of it.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
-- needs: gl_entries.account_code, gl_entries.posting_date, gl_entries.debit_idr|gl_entries.credit_idr, chart_of_accounts.account_code, chart_of_accounts.account_type
--
-- Formulas (docs/kpi_definitions.md 1.3 and 1.2):
--   opex_total_idr           = sum of posted operating expense (debit - credit) on expense accounts that are
--                              not flagged non-operating in assets/finance/config/account_roles.csv
--   opex_<category>_idr      = the same for one reporting category of the chart of accounts
--   payroll_cost_pct_of_opex = operating expense on payroll expense accounts (account_roles.csv) / opex_total * 100
-- Journals that close or bring forward balances (source close_journal_source) move balances, not spending:
-- they are left out. Departments are those of the ledger's expense lines and the budgets; an expense line without one is
-- UNASSIGNED, so departments add up to ALL.
with periods as (
    select * from core.dim_period
),

lines as (
    select * from core.fct_gl_line where is_operating_expense and not is_close_journal and not is_brought_forward
),

budgets as (
    select * from core.fct_budget
),

accounts as (
    select * from core.dim_account where is_operating_expense
),

expense_lines as (
    select period, coalesce(department_id, 'UNASSIGNED') as department_id, reporting_category, is_payroll_expense,
           amount_idr
    from lines
),

departments as (
    select distinct department_id from expense_lines
    union
    select distinct department_id from budgets
),

categories as (
    select distinct reporting_category from accounts
),

with_company as (
    select
        p.period,
        case when grouping(d.department_id) = 1 then 'ALL' else d.department_id end as department_id,
        c.reporting_category,
        coalesce(sum(e.amount_idr), 0) as opex_idr,
        coalesce(sum(e.amount_idr) filter (where e.is_payroll_expense), 0) as payroll_idr
    from periods p
    cross join departments d
    cross join categories c
    left join expense_lines e using (period, department_id, reporting_category)
    group by grouping sets ((p.period, d.department_id, c.reporting_category), (p.period, c.reporting_category))
),

totals as (
    select period, department_id, sum(opex_idr) as opex_idr, sum(payroll_idr) as payroll_idr
    from with_company
    group by all
),

final as (
    select period, department_id, unnest([
        kpi_total_row('opex_total_idr', opex_idr),
        kpi_row(
            'payroll_cost_pct_of_opex',
            case when opex_idr <> 0 then payroll_idr / opex_idr * 100 end,
            payroll_idr,
            opex_idr
        )
    ], recursive := true)
    from totals
    union all
    select period, department_id, unnest([
        kpi_total_row('opex_' || reporting_category || '_idr', opex_idr)
    ], recursive := true)
    from with_company
)

select * from final order by period, department_id, kpi_code
