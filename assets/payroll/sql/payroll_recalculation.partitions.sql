-- Monthly partitions of marts.payroll_recalculation (pipelines/partitions.py). A period's rows are that period's
-- recomputed PPh 21, BPJS and overtime beside its payslip lines of components missing from the catalogue: the
-- recorded builds of the four tables' period (code version and input fingerprint) and the catalogue's rows make
-- the period's fingerprint.
with built as (
    select
        period,
        string_agg(table_name || '=' || code_sha256 || ':' || fingerprint, ';' order by table_name) as months
    from meta.partition_state
    where table_name in (
        'core.int_payroll__expected_pph21', 'core.int_payroll__expected_bpjs', 'core.int_payroll__expected_overtime',
        'core.fct_payslip_line'
    )
    group by period
)

select
    b.period,
    b.months || ';' || (select rows_fingerprint(c) from core.dim_payroll_component c) as fingerprint
from built b
order by b.period
