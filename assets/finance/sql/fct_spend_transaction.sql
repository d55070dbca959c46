-- fct_spend_transaction: Supplier payments, card and expense transactions outside the invoice workflow, with the supplier they went to.
-- grain: one row per spend transaction of canonical.spend_transactions (or per supplier and month where the source holds monthly totals)
-- schema: core
-- needs: spend_transactions.amount, spend_transactions.transaction_date
--
-- spend_key names the source line (source contract, file, line), so a finding can point at it. vendor_key is who
-- was paid: the vendor id where the source has one, else the vendor name in capitals with its spaces trimmed and
-- collapsed (so 'Acme  Ltd ' and 'ACME LTD' are one supplier); lines with neither are '(no supplier)'.
-- amount_idr is in the reporting currency (converted in canonical); period is the month of transaction_date.
-- column: spend_key: The source line (contract, file, line) the transaction comes from.
-- column: source_contract: The contract that loaded the line.
with spend as (
    select * from canonical.spend_transactions
),

final as (
    select
        source_line_key(_source_contract, _source_path, _line_no) as spend_key,
        transaction_id,
        date_trunc('month', transaction_date)::date as period,
        transaction_date,
        vendor_id,
        vendor_name,
        coalesce(
            nullif(trim(vendor_id), ''),
            nullif(upper(trim(regexp_replace(vendor_name, '\s+', ' ', 'g'))), ''),
            '(no supplier)'
        ) as vendor_key,
        department_id,
        department_name,
        category,
        description,
        nullif(trim(reference), '') as reference,
        card_holder_id,
        amount as amount_idr,
        source_system,
        _source_contract as source_contract,
        _source_path as source_path,
        _line_no as line_no
    from spend
    where transaction_date is not null and amount is not null
)

select * from final order by transaction_date, spend_key
