-- Monthly partitions of core.fct_payslip (pipelines/partitions.py). A payslip sums its own lines, so a period of
-- it is built from that period of core.fct_payslip_line alone: the line table's recorded build of the period (its
-- code version and the fingerprint of its inputs) is this period's fingerprint.
select
    period,
    code_sha256 || ':' || fingerprint as fingerprint
from meta.partition_state
where table_name = 'core.fct_payslip_line'
order by period
