-- int_findings__ap_invoices: Supplier-invoice exceptions: exact, cross-vendor and near duplicates, creator = approver, split purchases, paid before received.
-- grain: one row per finding (control_code, invoice)
-- schema: core
--
-- Rules (docs/audit_tests.md section 3, tests 6-9; thresholds from core.control_parameters):
--   duplicate_payment_exact  same vendor, invoice number (trimmed, upper case) and amount as an earlier invoice
--                            (earlier = received first, then the lower invoice id); the earliest is the original
--   duplicate_payment_cross_vendor  the same invoice number (letters and digits only, upper case: 'INV/24-001' is
--                            'INV24001') and amount as an earlier invoice of another vendor (earlier as above): one
--                            bill entered under two vendor records, or sent by two vendors; the later is listed
--   duplicate_payment_near   an earlier invoice of the same vendor with (a) another invoice number, an invoice
--                            date at most near_duplicate_window_days before, and an amount that differs by at
--                            most near_duplicate_amount_tolerance_pct of the smaller amount (0 = same amount);
--                            or (b) the same invoice number and a different amount. The later invoice is listed.
--                            A recurring bill is not a near duplicate of the bill of another month: an invoice is an
--                            instalment of a recurring bill when the vendor billed the same amount in the month before
--                            or after it, recurring_bill_min_gap_days to recurring_bill_max_gap_days away, and in at
--                            least recurring_bill_min_months calendar months; (a) leaves out a pair whose later
--                            invoice is such an instalment and whose earlier one is of another month (a second bill
--                            in the same month is still listed)
--   sod_invoice              approved_by = created_by, unless the user is in sod_exception_users
--   split_invoice            split purchases as the literature defines them: >= split_min_items invoices of one
--                            vendor, each below the first approval limit (the lowest band's upper bound in
--                            core.map_approval_limits), with invoice dates at most split_window_days apart (counted
--                            from the group's first invoice), together above the limit; whoever entered them, and
--                            however far below the limit each piece is. Every invoice of such a group is listed
--   invoice_paid_before_received  paid_date < received_date
with invoices as (
    select * from core.fct_ap_invoice
),

limits as (
    select * from core.map_approval_limits
),

params as (
    select * from core.control_parameters
),

keyed as (
    select
        *,
        upper(trim(invoice_no)) as invoice_no_key,
        row_number() over (
            partition by vendor_id, upper(trim(invoice_no)), amount_idr order by received_date, invoice_id
        ) as copy_no,
        first_value(invoice_id) over (
            partition by vendor_id, upper(trim(invoice_no)), amount_idr order by received_date, invoice_id
        ) as original_invoice_id
    from invoices
    where invoice_no is not null and amount_idr is not null
),

exact_duplicates as (
    select
        'duplicate_payment_exact' as control_code,
        k.invoice_id,
        'Invoice ' || k.invoice_id || ' of vendor ' || k.vendor_id || ' repeats invoice number ' || k.invoice_no
            || ' and amount ' || money_text(k.amount_idr) || ' of ' || k.original_invoice_id
            || case when k.is_paid then ' and was paid on ' || strftime(k.paid_date, '%Y-%m-%d') else '' end
            || '; recover or cancel the duplicate.' as description,
        json_object('vendor_id', k.vendor_id, 'invoice_no', k.invoice_no, 'amount_idr', k.amount_idr,
                    'original_invoice_id', k.original_invoice_id, 'copy_no', k.copy_no,
                    'received_date', k.received_date, 'paid_date', k.paid_date,
                    'created_by', k.created_by)::varchar as evidence
    from keyed k
    where k.copy_no > 1
),

cross_keyed as (
    select
        *,
        regexp_replace(upper(invoice_no), '[^A-Z0-9]', '', 'g') as invoice_no_norm,
        coalesce(received_date, invoice_date, date '9999-12-31') as entered_order_date
    from invoices
    where invoice_no is not null and amount_idr is not null and vendor_id is not null
),

cross_vendor_pairs as (
    select
        b.invoice_id,
        a.invoice_id as earlier_invoice_id,
        a.vendor_id as earlier_vendor_id,
        a.invoice_no as earlier_invoice_no
    from cross_keyed a
    join cross_keyed b
        on b.invoice_no_norm = a.invoice_no_norm
        and b.amount_idr = a.amount_idr
        and b.vendor_id <> a.vendor_id
        and (b.entered_order_date, b.invoice_id) > (a.entered_order_date, a.invoice_id)
    where a.invoice_no_norm <> ''
),

cross_vendor_duplicates as (
    select
        'duplicate_payment_cross_vendor' as control_code,
        b.invoice_id,
        'Invoice ' || b.invoice_id || ' of vendor ' || b.vendor_id || ' carries invoice number ' || b.invoice_no
            || ' and amount ' || money_text(b.amount_idr) || ', as '
            || string_agg(n.earlier_invoice_id || ' of vendor ' || n.earlier_vendor_id || ' (' || n.earlier_invoice_no
                          || ')', ', ' order by n.earlier_invoice_id)
            || case when b.is_paid then ', and was paid on ' || strftime(b.paid_date, '%Y-%m-%d') else '' end
            || '; check whether one bill was entered under two vendors before paying it again.' as description,
        json_object('vendor_id', b.vendor_id, 'invoice_no', b.invoice_no, 'amount_idr', b.amount_idr,
                    'earlier_invoice_ids', list(n.earlier_invoice_id order by n.earlier_invoice_id),
                    'earlier_vendor_ids', list(distinct n.earlier_vendor_id order by n.earlier_vendor_id),
                    'received_date', b.received_date, 'paid_date', b.paid_date)::varchar as evidence
    from cross_vendor_pairs n
    join cross_keyed b using (invoice_id)
    group by b.invoice_id, b.vendor_id, b.invoice_no, b.amount_idr, b.is_paid, b.paid_date, b.received_date
),

recurring_series as (
    -- a vendor and an exact amount billed in at least recurring_bill_min_months calendar months
    select k.vendor_id, k.amount_idr
    from keyed k
    where k.invoice_date is not null
    group by k.vendor_id, k.amount_idr
    having count(distinct date_trunc('month', k.invoice_date))
        >= (select recurring_bill_min_months from params)
),

instalments as (
    -- an invoice of such a series with the same amount billed about a month before or after it, in the adjacent
    -- calendar month: a regular instalment of a recurring bill
    select distinct k.invoice_id
    from keyed k
    join recurring_series s using (vendor_id, amount_idr)
    join keyed o
        on o.vendor_id = k.vendor_id
        and o.amount_idr = k.amount_idr
        and o.invoice_id <> k.invoice_id
        and abs(date_diff('month', date_trunc('month', o.invoice_date), date_trunc('month', k.invoice_date))) = 1
    cross join params p
    where abs(date_diff('day', o.invoice_date, k.invoice_date))
        between p.recurring_bill_min_gap_days and p.recurring_bill_max_gap_days
),

dated as (
    -- the invoice date's bucket of near_duplicate_window_days days (at least one): an invoice at most that many
    -- days after another is in its bucket or the next, so (a) pairs the invoices of a vendor within two buckets
    -- instead of every two invoices of the vendor
    select
        k.*,
        date_diff('day', date '1970-01-01', k.invoice_date) // greatest(p.near_duplicate_window_days, 1)
            as day_bucket
    from keyed k
    cross join params p
),

near_pairs as (
    -- (a) another number, a near amount, within the window; (b) the same number, another amount
    select b.invoice_id, a.invoice_id as earlier_invoice_id, false as is_same_number
    from (select *, unnest([day_bucket, day_bucket + 1]) as next_bucket from dated) a
    join dated b
        on b.vendor_id = a.vendor_id
        and b.day_bucket = a.next_bucket
        and (b.invoice_date, b.invoice_id) > (a.invoice_date, a.invoice_id)
    cross join params p
    where a.invoice_no_key <> b.invoice_no_key
        and b.invoice_date <= a.invoice_date + p.near_duplicate_window_days
        and abs(b.amount_idr - a.amount_idr)
            <= p.near_duplicate_amount_tolerance_pct / 100.0 * least(a.amount_idr, b.amount_idr)
        and not (
            b.invoice_id in (select invoice_id from instalments)
            and date_trunc('month', a.invoice_date) <> date_trunc('month', b.invoice_date)
        )
    union all
    select b.invoice_id, a.invoice_id as earlier_invoice_id, true as is_same_number
    from keyed a
    join keyed b
        on b.vendor_id = a.vendor_id
        and b.invoice_no_key = a.invoice_no_key
        and (b.invoice_date, b.invoice_id) > (a.invoice_date, a.invoice_id)
    where a.amount_idr <> b.amount_idr
),

near_duplicates as (
    select
        'duplicate_payment_near' as control_code,
        b.invoice_id,
        'Invoice ' || b.invoice_id || ' of vendor ' || b.vendor_id || ' (' || b.invoice_no || ', '
            || money_text(b.amount_idr) || ', ' || strftime(b.invoice_date, '%Y-%m-%d') || ') looks like '
            || string_agg(n.earlier_invoice_id || ' (' || e.invoice_no || ', '
                          || money_text(e.amount_idr) || ', '
                          || strftime(e.invoice_date, '%Y-%m-%d') || ')', '; ' order by n.earlier_invoice_id)
            || '; confirm with the vendor that both were delivered before paying again.' as description,
        json_object('vendor_id', b.vendor_id, 'invoice_no', b.invoice_no, 'amount_idr', b.amount_idr,
                    'invoice_date', b.invoice_date,
                    'earlier_invoice_ids', list(n.earlier_invoice_id order by n.earlier_invoice_id),
                    'same_invoice_number', bool_or(n.is_same_number))::varchar as evidence
    from near_pairs n
    join keyed b using (invoice_id)
    join keyed e on e.invoice_id = n.earlier_invoice_id
    group by b.invoice_id, b.vendor_id, b.invoice_no, b.amount_idr, b.invoice_date
),

self_approved as (
    select
        'sod_invoice' as control_code,
        i.invoice_id,
        'Invoice ' || i.invoice_id || ' of vendor ' || i.vendor_id || ' for ' || money_text(i.amount_idr)
            || ' was entered and approved by the same user ' || i.created_by
            || '; have an authorised approver review it.' as description,
        json_object('vendor_id', i.vendor_id, 'created_by', i.created_by, 'approved_by', i.approved_by,
                    'approved_date', i.approved_date, 'approval_level', i.approval_level)::varchar as evidence
    from invoices i
    cross join params p
    where i.created_by = i.approved_by
        and not list_contains(p.sod_exception_users, i.created_by)
),

first_limit as (
    select min(amount_to_idr) as limit_idr from limits where amount_to_idr is not null
),

below_limit as (
    select i.*, l.limit_idr
    from invoices i
    cross join first_limit l
    where i.amount_idr < l.limit_idr
        and i.amount_idr > 0
        and i.invoice_date is not null
        and i.vendor_id is not null
),

split_anchors as (
    -- the anchors whose group qualifies, found with windows (one sort per vendor) instead of pairing every two
    -- invoices of a vendor: a group is the anchor and the invoices dated up to split_window_days after it, less
    -- those of the anchor's own date with a lower invoice id (its window peers that come before it)
    select *
    from (
        select
            below_limit.*,
            count(*) over in_window
                - count(*) over same_day_before as n_items,
            sum(amount_idr) over in_window
                - coalesce(sum(amount_idr) over same_day_before, 0) as total_idr
        from below_limit
        cross join params p
        window
            in_window as (
                partition by vendor_id order by invoice_date
                range between current row and p.split_window_days following
            ),
            same_day_before as (
                partition by vendor_id, invoice_date order by invoice_id
                rows between unbounded preceding and 1 preceding
            )
    )
    where n_items >= (select split_min_items from params) and total_idr > limit_idr
),

split_groups as (
    -- one group per qualifying anchor invoice: it and the same vendor's invoices in the window after it
    select
        a.invoice_id as anchor_invoice_id,
        any_value(a.limit_idr) as limit_idr,
        list(b.invoice_id order by b.invoice_date, b.invoice_id) as invoice_ids,
        list(distinct coalesce(b.created_by, '(unknown)') order by coalesce(b.created_by, '(unknown)')) as users,
        sum(b.amount_idr) as total_idr,
        count(*) as n_items
    from split_anchors a
    join below_limit b
        on b.vendor_id = a.vendor_id
        and b.invoice_date between a.invoice_date and a.invoice_date + (select split_window_days from params)
        and (b.invoice_date, b.invoice_id) >= (a.invoice_date, a.invoice_id)
    group by a.invoice_id
    having count(*) >= (select split_min_items from params) and sum(b.amount_idr) > any_value(a.limit_idr)
),

split_members as (
    select
        unnest(invoice_ids) as invoice_id,
        invoice_ids,
        users,
        total_idr,
        n_items,
        limit_idr
    from split_groups
),

splits as (
    select
        'split_invoice' as control_code,
        i.invoice_id,
        'Invoice ' || i.invoice_id || ' (' || money_text(i.amount_idr) || ') is one of '
            || arg_max(m.n_items, m.total_idr) || ' invoices of vendor ' || i.vendor_id || ' within '
            || (select split_window_days from params) || ' days ('
            || array_to_string(arg_max(m.invoice_ids, m.total_idr), ', ') || ', entered by '
            || array_to_string(arg_max(m.users, m.total_idr), ', ') || '), each below the approval limit '
            || money_text(any_value(m.limit_idr)) || ' but together '
            || money_text(max(m.total_idr)::bigint)
            || '; check whether one purchase was split to avoid the higher approval.' as description,
        json_object('vendor_id', i.vendor_id, 'created_by', i.created_by,
                    'group_invoice_ids', arg_max(m.invoice_ids, m.total_idr),
                    'group_created_by', arg_max(m.users, m.total_idr),
                    'group_total_idr', max(m.total_idr), 'approval_limit_idr', any_value(m.limit_idr),
                    'approved_by', i.approved_by)::varchar as evidence
    from split_members m
    join invoices i using (invoice_id)
    group by i.invoice_id, i.amount_idr, i.vendor_id, i.created_by, i.approved_by
),

paid_before_received as (
    select
        'invoice_paid_before_received' as control_code,
        invoice_id,
        'Invoice ' || invoice_id || ' of vendor ' || vendor_id || ' for ' || money_text(amount_idr)
            || ' was paid on ' || strftime(paid_date, '%Y-%m-%d') || ', '
            || date_diff('day', paid_date, received_date) || ' day(s) before it was received on '
            || strftime(received_date, '%Y-%m-%d') || '; check what the payment was for.' as description,
        json_object('vendor_id', vendor_id, 'received_date', received_date, 'approved_date', approved_date,
                    'paid_date', paid_date, 'payment_reference', payment_reference)::varchar as evidence
    from invoices
    where paid_date < received_date
),

unioned as (
    -- the invoices each rule flags; the invoice itself gives every finding its month, department and amount
    select * from exact_duplicates
    union all
    select * from cross_vendor_duplicates
    union all
    select * from near_duplicates
    union all
    select * from self_approved
    union all
    select * from splits
    union all
    select * from paid_before_received
),

final as (
    select
        u.control_code || ':' || i.invoice_id as finding_id,
        u.control_code,
        null::varchar as severity,
        'invoice' as entity,
        i.invoice_id as entity_key,
        date_trunc('month', i.invoice_date)::date as period,
        i.department_id,
        i.amount_idr::bigint as amount_at_risk_idr,
        u.description,
        u.evidence
    from unioned u
    join invoices i using (invoice_id)
)

select * from final order by control_code, entity_key
