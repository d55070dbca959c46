-- Monthly partitions of core.int_payroll__expected_pph21 (pipelines/partitions.py). A period's PPh 21 is
-- recomputed from that period's payslip context alone (it carries the year to date), with the tax tables read
-- whole: the context's recorded build of the period (code version and input fingerprint) and the tax tables' rows
-- make the period's fingerprint.
with reference_part as (
    select concat_ws(
        ':',
        (select rows_fingerprint(k) from reference.ptkp k),
        (select rows_fingerprint(t) from reference.pph21_ter_monthly t),
        (select rows_fingerprint(x) from reference.pph21_pasal17 x),
        (select rows_fingerprint(p) from reference.pph21_parameters p)
    ) as reference_fingerprint
)

select
    s.period,
    s.code_sha256 || ':' || s.fingerprint || ';' || r.reference_fingerprint as fingerprint
from meta.partition_state s
cross join reference_part r
where s.table_name = 'core.int_payroll__payslip_context'
order by s.period
