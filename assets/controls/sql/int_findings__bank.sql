-- int_findings__bank: Bank statement lines the reconciliation could not match to any ledger entry.
-- grain: one row per finding (bank statement line)
-- schema: core
--
-- From marts.finance_bank_unmatched_items (side 'bank'), for lines at least unmatched_bank_line_min_age_days
-- old at the account's latest date (younger ones may simply not be booked yet).
with unmatched as (
    select * from marts.finance_bank_unmatched_items
),

params as (
    select * from core.control_parameters
),

final as (
    select
        'unmatched_bank_line:' || u.bank_txn_id as finding_id,
        'unmatched_bank_line' as control_code,
        null::varchar as severity,
        'bank_line' as entity,
        u.bank_txn_id as entity_key,
        u.period,
        null::varchar as department_id,
        abs(u.amount_idr)::bigint as amount_at_risk_idr,
        'Bank line ' || u.bank_txn_id || ' on ' || u.bank_account_id || ' ('
            || strftime(u.item_date, '%Y-%m-%d') || ', '
            || case when u.amount_idr < 0 then 'out ' else 'in ' end || money_text(abs(u.amount_idr)::bigint)
            || ', "' || coalesce(u.description, '') || '"'
            || coalesce(', counterparty ' || u.counterparty, '') || ') has no ledger entry after '
            || u.age_days || ' days; find the authorisation and book or recover it.' as description,
        json_object('bank_account_id', u.bank_account_id, 'txn_date', u.item_date, 'amount_idr', u.amount_idr,
                    'description', u.description, 'reference', u.reference, 'counterparty', u.counterparty,
                    'age_days', u.age_days)::varchar as evidence
    from unmatched u
    cross join params p
    where u.side = 'bank'
        and u.bank_txn_id is not null
        and u.age_days >= p.unmatched_bank_line_min_age_days
)

select * from final order by period, entity_key
