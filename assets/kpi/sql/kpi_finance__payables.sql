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

invoice_events as (
    -- an invoice counts in the month it is approved (approval cycle time) and in the month it is paid (payment cycle
    -- time, on time or not), in its department (UNASSIGNED when unknown)
    select
        date_trunc('month', approved_date)::date as period,
        coalesce(department_id, 'UNASSIGNED') as department_id,
        days_received_to_approved
    from invoices
    union all by name
    select
        date_trunc('month', paid_date)::date as period,
        coalesce(department_id, 'UNASSIGNED') as department_id,
        days_received_to_paid,
        is_paid_on_time
    from invoices
),

groups as (
    select distinct department_id from invoice_events
    union all
    select 'ALL'
),

spine as (
    select p.period, g.department_id
    from periods p
    cross join groups g
),

by_group as (
    select
        s.period,
        s.department_id,
        coalesce(sum(i.days_received_to_approved), 0) as approve_days_sum,
        count(i.days_received_to_approved) as n_approved,
        coalesce(sum(i.days_received_to_paid), 0) as pay_days_sum,
        count(i.days_received_to_paid) as n_paid,
        count(*) filter (where i.is_paid_on_time) as n_on_time,
        count(i.is_paid_on_time) as n_with_due_date
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from invoice_events) i
        on i.period = s.period and i.group_id = s.department_id
    group by s.period, s.department_id
),

ap_balance as (
    -- the payables lines up to the month make its closing balance; its own credits are its purchases
    select
        p.period,
        p.n_calendar_days,
        coalesce(sum(l.credit_idr - l.debit_idr), 0) as ap_end_idr,
        coalesce(sum(l.credit_idr) filter (where l.period = p.period), 0) as purchases_idr
    from periods p
    left join payables_lines l on l.period <= p.period
    group by all
),

final as (
    select period, department_id, unnest([
        kpi_ratio_row('ap_cycle_received_to_approved_days', approve_days_sum, n_approved),
        kpi_ratio_row('ap_cycle_received_to_paid_days', pay_days_sum, n_paid),
        kpi_pct_row('ap_on_time_payment_rate_pct', n_on_time, n_with_due_date)
    ], recursive := true)
    from by_group
    union all
    select period, 'ALL', unnest([
        kpi_row('dpo_days', kpi_ratio(ap_end_idr, purchases_idr) * n_calendar_days, ap_end_idr, purchases_idr)
    ], recursive := true)
    from ap_balance
)

select * from final order by period, department_id, kpi_code
