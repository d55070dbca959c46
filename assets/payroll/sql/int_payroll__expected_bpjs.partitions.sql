-- Monthly partitions of core.int_payroll__expected_bpjs (pipelines/partitions.py). A period's contributions are
-- recomputed from that period's payslip context and lines alone, with reference rates and the catalogue read
-- whole: the recorded builds of the two tables' period (code version and input fingerprint) and the reference
-- tables' rows make the period's fingerprint.
with built as (
    select
        period,
        string_agg(table_name || '=' || code_sha256 || ':' || fingerprint, ';' order by table_name) as months
    from meta.partition_state
    where table_name in ('core.int_payroll__payslip_context', 'core.fct_payslip_line')
    group by period
),

reference_part as (
    select concat_ws(
        ':',
        (select rows_fingerprint(c) from core.dim_payroll_component c),
        (select rows_fingerprint(p) from reference.bpjs_programs p),
        (select rows_fingerprint(m) from reference.minimum_wages m)
    ) as reference_fingerprint
)

select
    b.period,
    b.months || ';' || r.reference_fingerprint as fingerprint
from built b
cross join reference_part r
order by b.period
