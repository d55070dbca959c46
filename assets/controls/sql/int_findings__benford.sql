-- int_findings__benford: Benford populations that do not conform (marginal or nonconformity by Nigrini's MAD bands) or are too small to judge.
-- grain: one row per finding (test and population)
-- schema: core
--
-- From marts.control_benford (docs/audit_tests.md section 3.1). A test is a finding when its MAD is marginal
-- (severity low) or nonconformity (the registry's severity), or when the population has fewer amounts than
-- benford_min_sample (severity low: the result is not reliable either way). The evidence lists the digits whose
-- Z statistic is significant, largest first, so the reviewer can attribute them to vendors, users or accounts.
with benford as (
    -- supplier spend is judged by its own rule (int_findings__spend, benford_spend_first_digit)
    select * from marts.control_benford where population <> 'spend_transactions'
),

tests as (
    select
        population,
        test,
        case test when 'first_digit' then 'benford_first_digit' when 'first_two_digits' then 'benford_first_two_digits'
        end as control_code,
        any_value(period) as period,
        benford_result(n_amounts, mad, conformity, is_small_sample, digit, observed_share, expected_share, z_stat,
                       is_significant) as result
    from benford
    group by population, test
),

final as (
    select
        control_code || ':' || population as finding_id,
        control_code,
        benford_severity(result) as severity,
        'population' as entity,
        population as entity_key,
        period,
        null::varchar as department_id,
        null::bigint as amount_at_risk_idr,
        'Benford ' || replace(test, '_', ' ') || ' test on ' || replace(population, '_', ' ') || ': '
            || case
                when result.n_amounts = 0 then 'no amounts to test'
                else benford_result_text(result)
            end
            || benford_advice_text(result) as description,
        benford_evidence(population, test, result) as evidence
    from tests
    where benford_is_finding(result)
)

select * from final order by control_code, entity_key
