-- Monthly partitions of core.int_findings__working_time (pipelines/partitions.py). A month's findings are the
-- days of that month and the weeks whose Monday falls in it; such a week can end in the next month. So a month
-- stands on its own and the next month of core.fct_attendance_daily (their recorded builds: code version and input
-- fingerprint) and on the labour parameters, read whole. The month before the first month of attendance is listed
-- too: a week that starts there holds the first days of the data.
with attendance_months as (
    select
        period,
        code_sha256 || ':' || fingerprint as built
    from meta.partition_state
    where table_name = 'core.fct_attendance_daily'
),

periods as (
    select period from attendance_months
    union
    select (period - interval 1 month)::date as period from attendance_months
),

reference_part as (
    select (select rows_fingerprint(l) from reference.labour_parameters l) as reference_fingerprint
)

select
    p.period,
    concat_ws(';', coalesce(this_month.built, '-'), coalesce(next_month.built, '-'), r.reference_fingerprint)
        as fingerprint
from periods p
left join attendance_months this_month on this_month.period = p.period
left join attendance_months next_month on next_month.period = (p.period + interval 1 month)::date
cross join reference_part r
order by p.period
