-- int_findings__spend: Supplier-spend exceptions: duplicate payments and the Benford first-digit test of spend amounts.
-- grain: one row per finding (control_code, spend transaction or population)
-- schema: core
-- needs: spend_transactions.amount, spend_transactions.transaction_date
--
-- Rules (docs/audit_tests.md section 3, tests 6, 7 and 14; thresholds from core.control_parameters):
--   duplicate_spend_payment   a spend transaction with the same supplier (vendor_key: the vendor id, else the
--                             normalised name) and the same amount as an earlier one, dated at most
--                             spend_duplicate_window_days after it (0 = the same day), or carrying the same
--                             reference. Spend exports have no invoice number, so the date (or the reference)
--                             stands in for it (GTAG 16 exact duplicate; IDEA same vendor + amount + date).
--                             Earlier = earlier date, then source line; the first of a set is the original and is
--                             not listed; each later one is, with the original it repeats.
--   benford_spend_first_digit the first-digit distribution of spend amounts (marts.control_benford, population
--                             spend_transactions) is marginal or nonconforming by Nigrini's MAD bands, or the
--                             population is smaller than benford_min_sample (severity low).
with spend as (
    select * from core.fct_spend_transaction
),

benford as (
    select * from marts.control_benford where population = 'spend_transactions' and test = 'first_digit'
),

params as (
    select * from core.control_parameters
),

ordered as (
    select
        *,
        row_number() over (order by transaction_date, spend_key) as seq
    from spend
    where amount_idr > 0
),

pairs as (
    -- each later transaction matched to the earliest one it repeats
    select
        b.spend_key,
        arg_min(a.spend_key, a.seq) as original_key,
        min(a.transaction_date) as original_date,
        bool_or(b.reference is not null and b.reference = a.reference) as is_same_reference
    from ordered b
    join ordered a
        on a.vendor_key = b.vendor_key
        and a.amount_idr = b.amount_idr
        and a.seq < b.seq
    cross join params p
    where b.transaction_date - a.transaction_date <= p.spend_duplicate_window_days
        or (b.reference is not null and b.reference = a.reference)
    group by b.spend_key
),

duplicates as (
    select
        'duplicate_spend_payment' as control_code,
        'duplicate_spend_payment:' || s.spend_key as finding_id,
        null::varchar as severity,
        'spend_transaction' as entity,
        s.spend_key as entity_key,
        s.period,
        s.department_id,
        round(s.amount_idr)::bigint as amount_at_risk_idr,
        'Payment of ' || money_text(s.amount_idr) || ' to ' || coalesce(s.vendor_name, s.vendor_key) || ' on '
            || strftime(s.transaction_date, '%Y-%m-%d')
            || case when p.is_same_reference then ' with reference ' || s.reference else '' end
            || ' repeats the amount of the payment to the same supplier on '
            || strftime(p.original_date, '%Y-%m-%d') || ' (' || p.original_key
            || '); check that it was not paid twice.' as description,
        json_object('vendor_key', s.vendor_key, 'vendor_name', s.vendor_name, 'amount_idr', s.amount_idr,
                    'transaction_date', s.transaction_date, 'reference', s.reference,
                    'original_spend_key', p.original_key, 'original_date', p.original_date,
                    'category', s.category, 'source_path', s.source_path, 'line_no', s.line_no)::varchar as evidence
    from pairs p
    join spend s using (spend_key)
),

benford_test as (
    select
        any_value(period) as period,
        benford_result(n_amounts, mad, conformity, is_small_sample, digit, observed_share, expected_share, z_stat,
                       is_significant) as result
    from benford
    having count(*) > 0
),

benford_findings as (
    select
        'benford_spend_first_digit' as control_code,
        'benford_spend_first_digit:spend_transactions' as finding_id,
        benford_severity(result) as severity,
        'population' as entity,
        'spend_transactions' as entity_key,
        period,
        null::varchar as department_id,
        null::bigint as amount_at_risk_idr,
        'Benford first digit test on supplier spend: ' || benford_result_text(result)
            || benford_advice_text(result) as description,
        benford_evidence('spend_transactions', 'first_digit', result) as evidence
    from benford_test
    where benford_is_finding(result)
),

final as (
    select * from duplicates
    union all
    select * from benford_findings
)

select * from final order by control_code, entity_key
