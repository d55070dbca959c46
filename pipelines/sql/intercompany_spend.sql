-- intercompany_spend: What each company of the group paid other companies of the group, by month and supplier.
-- grain: one row per company, month and intercompany supplier
-- schema: marts
--
-- Read from each consolidated company's last published night: its supplier spend (core.fct_spend_transaction,
-- the months of its reporting window, as spend_total counts them) summed by month and supplier
-- (spend_by_vendor), and the suppliers the group file lists as other group companies (intercompany_vendors).
-- A supplier is intercompany when its vendor id is a listed vendor_id, or its name (capitals, spaces trimmed and
-- collapsed, as core.fct_spend_transaction keys a name) is a listed vendor_name. A supplier matching two entries
-- counts once, for the counterparty first by code. Amounts are in the group's currency (every consolidated
-- company reports in it).
-- column: company_code: The company that paid (whose books hold the lines).
-- column: counterparty_code: The group company that was paid.
-- column: n_lines: Spend lines of the month to this supplier.
-- column: amount: What the company paid the supplier in the month, in the group's currency.
with spend as (
    select * from spend_by_vendor
),

vendors as (
    select * from intercompany_vendors
),

matched as (
    select
        s.company_code,
        v.counterparty_code,
        s.period,
        s.vendor_id,
        s.vendor_name_key as vendor_name,
        s.n_lines,
        s.amount
    from spend s
    join vendors v
        on v.company_code = s.company_code
        and (v.vendor_id = s.vendor_id or v.vendor_name_key = s.vendor_name_key)
    qualify row_number() over (
        partition by s.company_code, s.period, s.vendor_id, s.vendor_name_key order by v.counterparty_code
    ) = 1
),

final as (
    select company_code, counterparty_code, period, vendor_id, vendor_name, n_lines, amount
    from matched
)

select * from final order by company_code, period, counterparty_code, vendor_id, vendor_name
