-- int_findings__vendors: Fictitious-vendor attributes of the vendor master: vendors paid into an employee's bank account, vendors sharing a tax id.
-- grain: one row per finding (control_code, vendor)
-- schema: core
--
-- Rules (docs/audit_tests.md section 3, tests 3-5). Bank accounts and tax ids are compared after normalisation
-- (digits only); a value with no digit is blank.
--   employee_vendor_bank_match  every vendor whose account is the account of any employee of the HR master
--                               (current or former: a leaver's account receiving vendor payments is the pattern)
--   vendor_duplicate_tax_id     every vendor sharing a tax id with another vendor
-- Findings carry the vendor's creation month (else its first invoice's), the department of its largest
-- invoice and what was paid to it (core.fct_ap_invoice).
with master as (
    select * from canonical.employees
),

vendors as (
    select * from canonical.vendors
),

invoices as (
    select * from core.fct_ap_invoice
),

employees as (
    select
        employee_id,
        digits_only(bank_account) as bank_account
    from master
),

vendor_accounts as (
    select
        vendor_id,
        vendor_name,
        created_date,
        digits_only(bank_account) as bank_account,
        digits_only(tax_id) as tax_id
    from vendors
),

vendor_payments as (
    select
        vendor_id,
        count(*) as n_invoices,
        coalesce(sum(amount_idr) filter (where is_paid), 0)::bigint as paid_idr,
        min(invoice_date) as first_invoice_date,
        arg_max(department_id, amount_idr) as department_id
    from invoices
    group by vendor_id
),

with_payments as (
    select
        v.*,
        date_trunc('month', coalesce(v.created_date, p.first_invoice_date))::date as period,
        p.department_id,
        coalesce(p.n_invoices, 0) as n_invoices,
        coalesce(p.paid_idr, 0) as paid_idr
    from vendor_accounts v
    left join vendor_payments p using (vendor_id)
),

employee_vendor_bank_match as (
    select
        'employee_vendor_bank_match' as control_code,
        v.vendor_id,
        'Vendor ' || v.vendor_id || ' (' || v.vendor_name || ') is paid into bank account ' || v.bank_account
            || ', the account of employee ' || string_agg(e.employee_id, ', ' order by e.employee_id) || '; '
            || money_text(v.paid_idr) || ' was paid on ' || v.n_invoices
            || ' invoice(s). Verify the vendor exists and who receives the money.' as description,
        json_object('bank_account', v.bank_account, 'employee_ids', list(e.employee_id order by e.employee_id),
                    'vendor_created_date', v.created_date, 'n_invoices', v.n_invoices,
                    'paid_idr', v.paid_idr)::varchar as evidence
    from with_payments v
    join employees e on e.bank_account = v.bank_account
    group by v.vendor_id, v.vendor_name, v.bank_account, v.created_date, v.n_invoices, v.paid_idr
),

tax_groups as (
    select tax_id, list(vendor_id order by vendor_id) as ids
    from vendor_accounts
    where tax_id is not null
    group by tax_id
    having count(*) > 1
),

vendor_duplicate_tax_id as (
    select
        'vendor_duplicate_tax_id' as control_code,
        v.vendor_id,
        'Vendor ' || v.vendor_id || ' (' || v.vendor_name || ') has tax id ' || g.tax_id || ', the same as vendor '
            || array_to_string(list_filter(g.ids, lambda x: x <> v.vendor_id), ', ')
            || '; merge the duplicate vendor records or correct the tax id before paying either.' as description,
        json_object('tax_id', g.tax_id, 'vendor_ids', g.ids, 'paid_idr', v.paid_idr)::varchar as evidence
    from with_payments v
    join tax_groups g using (tax_id)
),

unioned as (
    -- the vendors each rule flags; their month, department and payments (with_payments) are added once, in final
    select * from employee_vendor_bank_match
    union all
    select * from vendor_duplicate_tax_id
),

final as (
    select
        u.control_code || ':' || v.vendor_id as finding_id,
        u.control_code,
        null::varchar as severity,
        'vendor' as entity,
        v.vendor_id as entity_key,
        v.period,
        v.department_id,
        v.paid_idr as amount_at_risk_idr,
        u.description,
        u.evidence
    from unioned u
    join with_payments v using (vendor_id)
)

select * from final order by control_code, entity_key
