-- kpi_finance__payables: Days payable outstanding, invoice cycle times and on-time payment rate.
-- grain: one row per month per department (and ALL for the company) per KPI code; dpo_days is company-level only
-- schema: marts
--
-- Formulas (docs/kpi_definitions.md 1.3):
--   dpo_days                           = ending AP / purchases of the month * calendar days of the month, where
--                                        AP = closing balance of the payables accounts (credit - debit, ledger)
--                                        and purchases = credits to them in the month (ALL only)
--   ap_cycle_received_to_approved_days = mean(approved_date - received_date), calendar days, invoices approved
--                                        in the month (APQC 100154)
--   ap_cycle_received_to_paid_days     = mean(paid_date - received_date), invoices paid in the month (APQC 100575)
--   ap_on_time_payment_rate_pct        = invoices paid in the month on or before their due date / invoices paid
--                                        in the month with a due date * 100
-- Invoices whose dates run backwards (paid before received, ...) have no cycle time: they are listed in
-- the finance data findings mart instead of pulling the mean below zero.
with periods as (
    select * from core.dim_period
),

invoices as (
    select * from core.fct_ap_invoice
),

payables_lines as (
    select * from core.fct_gl_line where is_payables
),

invoice_lines as (
    select
        coalesce(department_id, 'UNASSIGNED') as department_id,
        date_trunc('month', approved_date)::date as approved_period,
        date_trunc('month', paid_date)::date as paid_period,
        days_received_to_approved,
        days_received_to_paid,
        is_paid_on_time
    from invoices
),

departments as (
    select distinct department_id from invoice_lines
),

spine as (
    select p.period, p.n_calendar_days, d.department_id
    from periods p
    cross join departments d
),

approved as (
    select approved_period as period, department_id,
           sum(days_received_to_approved) as days_sum, count(days_received_to_approved) as n_invoices
    from invoice_lines
    where approved_period is not null
    group by all
),

paid as (
    select paid_period as period, department_id,
           sum(days_received_to_paid) as days_sum, count(days_received_to_paid) as n_invoices,
           count(*) filter (where is_paid_on_time) as n_on_time, count(is_paid_on_time) as n_with_due_date
    from invoice_lines
    where paid_period is not null
    group by all
),

by_department as (
    select
        s.period,
        s.department_id,
        coalesce(a.days_sum, 0) as approve_days_sum,
        coalesce(a.n_invoices, 0) as n_approved,
        coalesce(pd.days_sum, 0) as pay_days_sum,
        coalesce(pd.n_invoices, 0) as n_paid,
        coalesce(pd.n_on_time, 0) as n_on_time,
        coalesce(pd.n_with_due_date, 0) as n_with_due_date
    from spine s
    left join approved a using (period, department_id)
    left join paid pd using (period, department_id)
),

with_company as (
    select * from by_department
    union all
    select period, 'ALL', sum(approve_days_sum), sum(n_approved), sum(pay_days_sum), sum(n_paid), sum(n_on_time),
           sum(n_with_due_date)
    from by_department
    group by period
),

ap_balance as (
    select
        p.period,
        p.n_calendar_days,
        coalesce(sum(l.credit_idr - l.debit_idr) filter (where l.period <= p.period), 0) as ap_end_idr,
        coalesce(sum(l.credit_idr) filter (where l.period = p.period), 0) as purchases_idr
    from periods p
    left join payables_lines l on l.period <= p.period
    group by all
),

final as (
    select period, department_id, 'ap_cycle_received_to_approved_days' as kpi_code,
           case when n_approved > 0 then approve_days_sum / n_approved end::double as value,
           approve_days_sum::double as numerator, n_approved::double as denominator
    from with_company
    union all
    select period, department_id, 'ap_cycle_received_to_paid_days',
           case when n_paid > 0 then pay_days_sum / n_paid end, pay_days_sum, n_paid
    from with_company
    union all
    select period, department_id, 'ap_on_time_payment_rate_pct',
           case when n_with_due_date > 0 then n_on_time / n_with_due_date * 100 end, n_on_time, n_with_due_date
    from with_company
    union all
    select period, 'ALL', 'dpo_days',
           case when purchases_idr > 0 then ap_end_idr / purchases_idr * n_calendar_days end,
           ap_end_idr, purchases_idr
    from ap_balance
)

select * from final order by period, department_id, kpi_code
