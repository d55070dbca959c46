-- fct_ap_invoice: Supplier invoices from receipt to approval and payment, with cycle times, approval band and problems.
-- grain: one row per supplier invoice
-- schema: core
-- needs: ap_invoices.invoice_id, ap_invoices.vendor_id, ap_invoices.invoice_date, ap_invoices.amount_idr
--
-- Cycle times are calendar days (APQC 100154 receipt -> approval, 100575 receipt -> payment); an interval
-- whose dates run backwards is left null and the invoice's `problem` says why (never dropped).
-- Approval band and authorised approvers come from config/approval_limits.csv: [amount_from, amount_to).
-- column: received_period: Month the invoice was received, as its first day.
-- column: days_received_to_approved: Calendar days from receipt to approval (empty when the dates run backwards).
-- column: days_received_to_paid: Calendar days from receipt to payment (empty when the dates run backwards).
-- column: is_paid: True when the invoice has a paid date.
-- column: is_paid_on_time: True when paid on or before the due date.
-- column: is_approver_authorised: True when the approver is authorised for the invoice's approval band (config/approval_limits.csv).
with invoices as (
    select * from canonical.ap_invoices
),

accounts as (
    select * from core.dim_account
),

limits as (
    select * from core.map_approval_limits
),

with_band as (
    select
        i.*,
        l.approval_level,
        string_split(l.approver_ids, ' ') as authorised_approvers
    from invoices i
    left join limits l
        on i.amount_idr >= l.amount_from_idr and (l.amount_to_idr is null or i.amount_idr < l.amount_to_idr)
),

problems as (
    select
        i.invoice_id,
        list_filter([
            case when i.received_date is null then 'no received date' end,
            case when i.paid_date < i.received_date
                then 'paid on ' || i.paid_date || ' before it was received on ' || i.received_date end,
            case when i.approved_date < i.received_date
                then 'approved on ' || i.approved_date || ' before it was received on ' || i.received_date end,
            case when i.paid_date < i.approved_date
                then 'paid on ' || i.paid_date || ' before it was approved on ' || i.approved_date end,
            case when i.paid_date is not null and i.approved_date is null then 'paid without an approval date' end,
            case when i.due_date < i.invoice_date
                then 'due on ' || i.due_date || ' before the invoice date ' || i.invoice_date end,
            case when i.account_code is not null and a.account_code is null
                then 'account ' || i.account_code || ' is not in the chart of accounts' end
        ], lambda x: x is not null) as problem_list
    from invoices i
    left join accounts a using (account_code)
),

final as (
    select
        b.invoice_id,
        b.vendor_id,
        b.invoice_no,
        b.invoice_date,
        b.received_date,
        b.approved_date,
        b.due_date,
        b.paid_date,
        date_trunc('month', b.received_date)::date as received_period,
        b.amount_idr,
        b.department_id,
        b.account_code,
        a.reporting_category,
        b.description,
        b.created_by,
        b.approved_by,
        b.payment_reference,
        case when b.approved_date >= b.received_date
            then date_diff('day', b.received_date, b.approved_date) end as days_received_to_approved,
        case when b.paid_date >= b.received_date
            then date_diff('day', b.received_date, b.paid_date) end as days_received_to_paid,
        b.approved_date is not null as is_approved,
        b.paid_date is not null as is_paid,
        case when b.paid_date is not null and b.due_date is not null then b.paid_date <= b.due_date end
            as is_paid_on_time,
        b.approval_level,
        case when b.approved_by is not null
            then coalesce(list_contains(b.authorised_approvers, b.approved_by), false) end as is_approver_authorised,
        case when len(p.problem_list) > 0 then array_to_string(p.problem_list, '; ') end as problem
    from with_band b
    join problems p using (invoice_id)
    left join accounts a using (account_code)
)

select * from final order by invoice_id
