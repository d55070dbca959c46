-- Monthly partitions of core.int_payroll__expected_overtime (pipelines/partitions.py). A month's overtime due is
-- recomputed from that month's attendance, calendar days and employment (the inputs of the same month of
-- core.fct_attendance_daily, whose fingerprint covers them) and that period's payslip context, with the
-- multipliers and labour parameters read whole: the recorded builds of the two tables' month (code version and
-- input fingerprint) and the reference tables' rows make the month's fingerprint.
with built as (
    select
        period,
        string_agg(table_name || '=' || code_sha256 || ':' || fingerprint, ';' order by table_name) as months
    from meta.partition_state
    where table_name in ('core.int_payroll__payslip_context', 'core.fct_attendance_daily')
    group by period
),

reference_part as (
    select concat_ws(
        ':',
        (select rows_fingerprint(m) from reference.overtime_multipliers m),
        (select rows_fingerprint(l) from reference.labour_parameters l)
    ) as reference_fingerprint
)

select
    b.period,
    b.months || ';' || r.reference_fingerprint as fingerprint
from built b
cross join reference_part r
order by b.period
