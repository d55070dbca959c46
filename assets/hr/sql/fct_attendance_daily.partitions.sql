-- Monthly partitions of core.fct_attendance_daily (pipelines/partitions.py): per month, a fingerprint of every
-- input that can change a row of that month. A month whose fingerprint is unchanged is not rebuilt.
--   attendance  the staged rows of the month (their values, file version and line)
--   calendar    the month's days in core.dim_date (working day, rest day, holiday; empty outside the window)
--   employees   the versions overlapping the month, validity clipped to the month, so a termination or a hire
--               in a later month leaves earlier months alone
--   known ids   which ids seen in the month's attendance the HRIS knows (an unknown id may become known later)
-- Each part reads the model's input tables itself: it is their fingerprint, not a model of its own.
with attendance_part as (
    select
        date_trunc('month', a.attendance_date)::date as period,
        staged_rows_fingerprint(a, a.employee_id, k.employee_id is not null)
            as rows_fingerprint
    from canonical.attendance a
    left join core.dim_employee k on k.employee_id = a.employee_id and k.is_current
    group by all
),

calendar_part as (
    select period, bit_xor(hash(date_day, is_working_day, is_rest_day, is_public_holiday)) as days_hash
    from core.dim_date
    group by period
),

employee_part as (
    select
        a.period,
        bit_xor(hash(e.employee_id, e.employee_version_id, e.department_id, e.is_employed,
                     greatest(e.valid_from, a.period), least(e.valid_to, last_day(a.period)))) as versions_hash
    from attendance_part a
    join core.dim_employee e on e.valid_from <= last_day(a.period) and e.valid_to >= a.period
    group by a.period
),

final as (
    select
        a.period,
        concat_ws(':', a.rows_fingerprint, coalesce(c.days_hash, 0), coalesce(e.versions_hash, 0)) as fingerprint
    from attendance_part a
    left join calendar_part c using (period)
    left join employee_part e using (period)
)

select * from final order by period
