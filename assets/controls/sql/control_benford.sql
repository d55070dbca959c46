-- control_benford: Benford's law first-digit and first-two-digit tests on payment and journal amounts, with Nigrini's MAD conformity.
-- grain: one row per population, test and digit (1-9 for first_digit, 10-99 for first_two_digits)
-- schema: marts
-- needs: gl_entries.debit_idr|gl_entries.credit_idr|bank_transactions.amount_idr|spend_transactions.amount
--
-- docs/audit_tests.md section 3.1. Populations: 'payments' = money out of the company's bank accounts
-- (core.fct_bank_transaction, amount < 0, as a positive amount); 'journal_lines' = the debit or credit amount of
-- every journal line except balances brought forward; 'spend_transactions' = supplier spend outside the invoice
-- workflow (core.fct_spend_transaction, amount > 0), judged by the spend family (int_findings__spend). A
-- population with no amounts has no rows. Amounts below benford_min_amount_idr are left out (a first-two-digit
-- test needs amounts >= 10).
--   expected_share = log10(1 + 1/d)                                    (Benford)
--   mad            = mean over the test's digits of |observed_share - expected_share|
--   conformity     = close / acceptable / marginal / nonconformity by core.control_benford_bands (Nigrini 2012)
--   z_stat         = (|observed - expected| - 1/(2n)) / sqrt(expected (1 - expected) / n); the continuity term
--                    is dropped when it exceeds |observed - expected|; is_significant when z > benford_z_critical
--                    (null where z cannot be computed: not checked is not "not significant")
--   is_small_sample when n < benford_min_sample (Nigrini: n preferably >= 1,000)
-- column: population: The amounts tested: payments, journal_lines or spend_transactions.
-- column: test: first_digit or first_two_digits.
-- column: digit: The leading digit (1-9) or two digits (10-99).
-- column: n_amounts: Amounts in the population.
-- column: n_digit: Amounts starting with the digit(s).
-- column: observed_share: Share of amounts starting with the digit(s).
-- column: expected_share: Share Benford's law expects: log10(1 + 1/d).
-- column: abs_deviation: Absolute difference of observed and expected share.
-- column: z_stat: Z statistic of the deviation (with continuity correction).
-- column: is_significant: True when z exceeds benford_z_critical.
-- column: mad: Mean absolute deviation of the test over its digits.
-- column: conformity: close, acceptable, marginal or nonconformity (Nigrini's MAD bands).
-- column: is_small_sample: True when the population is below benford_min_sample.
with bank as (
    select * from core.fct_bank_transaction
),

lines as (
    select * from core.fct_gl_line
),

spend as (
    select * from core.fct_spend_transaction
),

bands as (
    select * from core.control_benford_bands
),

params as (
    select * from core.control_parameters
),

amounts as (
    select 'payments' as population, -amount_idr as amount_idr, period
    from bank
    where amount_idr < 0
    union all
    select 'journal_lines', greatest(debit_idr, credit_idr), period
    from lines
    where not coalesce(is_brought_forward, false)
    union all
    select 'spend_transactions', amount_idr, period
    from spend
    where amount_idr > 0
),

digits_of_amounts as (
    select
        a.population,
        a.period,
        -- whole units, cut (not rounded: 1,999.60 starts with 1)
        left(floor(a.amount_idr)::bigint::varchar, 1)::integer as first_digit,
        left(floor(a.amount_idr)::bigint::varchar, 2)::integer as first_two_digits
    from amounts a
    cross join params p
    where a.amount_idr >= greatest(p.benford_min_amount_idr, 10)
),

populations as (
    select population, max(period) as last_period
    from amounts
    group by population
),

tests as (
    select 'first_digit' as test, unnest(range(1, 10)) as digit
    union all
    select 'first_two_digits', unnest(range(10, 100))
),

grid as (
    select p.population, p.last_period, t.test, t.digit
    from populations p
    cross join tests t
),

counts as (
    select population, 'first_digit' as test, first_digit as digit, count(*) as n_digit
    from digits_of_amounts
    group by all
    union all
    select population, 'first_two_digits', first_two_digits, count(*)
    from digits_of_amounts
    group by all
),

totals as (
    select population, count(*) as n_amounts from digits_of_amounts group by population
),

shares as (
    select
        g.*,
        coalesce(t.n_amounts, 0) as n_amounts,
        coalesce(c.n_digit, 0) as n_digit,
        case when t.n_amounts > 0 then coalesce(c.n_digit, 0) / t.n_amounts end as observed_share,
        log10(1 + 1 / g.digit) as expected_share
    from grid g
    left join totals t using (population)
    left join counts c using (population, test, digit)
),

with_z as (
    select
        *,
        abs(observed_share - expected_share) as abs_deviation,
        case when n_amounts > 0 then
            (abs(observed_share - expected_share)
                - case when 1 / (2 * n_amounts) < abs(observed_share - expected_share) then 1 / (2 * n_amounts)
                       else 0 end)
            / sqrt(expected_share * (1 - expected_share) / n_amounts)
        end as z_stat
    from shares
),

mad as (
    -- in digit order: a sum of doubles in the order threads happen to finish differs in the last bit between runs
    select population, test, avg(abs_deviation order by digit) as mad
    from with_z
    group by population, test
),

final as (
    select
        z.population,
        z.test,
        z.digit,
        z.last_period as period,
        z.n_amounts,
        z.n_digit,
        z.observed_share,
        z.expected_share,
        z.abs_deviation,
        z.z_stat,
        z.z_stat > p.benford_z_critical as is_significant,
        m.mad,
        case
            when m.mad is null then null
            when m.mad <= b.close_conformity_max then 'close'
            when m.mad <= b.acceptable_max then 'acceptable'
            when m.mad <= b.marginal_max then 'marginal'
            else 'nonconformity'
        end as conformity,
        z.n_amounts < p.benford_min_sample as is_small_sample
    from with_z z
    join mad m using (population, test)
    left join bands b on b.test = z.test
    cross join params p
)

select * from final order by population, test, digit
