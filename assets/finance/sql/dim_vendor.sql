-- dim_vendor: Supplier master with category and creation date (tax id and bank account as presence flags only).
-- grain: one row per vendor
-- schema: core
-- needs: vendors.vendor_id
--
-- Tax ids and bank accounts are personal data for sole traders: they stay in staging, where the controls read them.
-- column: vendor_category: Kind of supplier (vendors.category).
-- column: has_tax_id: True when the vendor master holds a tax id (the id itself stays in staging).
-- column: has_bank_account: True when the vendor master holds a bank account (the account itself stays in staging).
with vendors as (
    select * from canonical.vendors
),

final as (
    select
        vendor_id,
        vendor_name,
        category as vendor_category,
        created_date,
        tax_id is not null as has_tax_id,
        bank_account is not null as has_bank_account
    from vendors
)

select * from final order by vendor_id
