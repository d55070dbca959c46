-- Monthly partitions of core.fct_attendance_daily (pipelines/partitions.py): per month, a fingerprint of every
-- input that can change a row of that month. A month whose fingerprint is unchanged is not rebuilt.
--   attendance  the staged rows of the month (file version and line: a re-exported file is a new version)
--   calendar    the month's days in core.dim_date (working day, rest day, holiday; empty outside the window)
--   employees   the versions overlapping the month, validity clipped to the month, so a termination or a hire
--               in a later month leaves earlier months alone
--   known ids   which ids seen in the month's attendance the HRIS knows (an unknown id may become known later)
with attendance as (
    select * from canonical.attendance
),

days as (
    select * from core.dim_date
),

employees as (
    select * from core.dim_employee
),

known_ids as (
    select distinct employee_id from employees
),

by_employee_month as (
    select
        date_trunc('month', attendance_date)::date as period,
        employee_id,
        count(*) as n_rows,
        bit_xor(hash(_file_sha256, _line_no)) as rows_hash
    from attendance
    group by all
),

attendance_part as (
    select
        b.period,
        sum(b.n_rows) as n_rows,
        bit_xor(b.rows_hash) as rows_hash,
        bit_xor(hash(b.employee_id)) filter (where k.employee_id is not null) as known_hash
    from by_employee_month b
    left join known_ids k using (employee_id)
    group by b.period
),

calendar_part as (
    select period, bit_xor(hash(date_day, is_working_day, is_rest_day, is_public_holiday)) as days_hash
    from days
    group by period
),

employee_part as (
    select
        a.period,
        bit_xor(hash(e.employee_id, e.employee_version_id, e.department_id, e.is_employed,
                     greatest(e.valid_from, a.period), least(e.valid_to, last_day(a.period)))) as versions_hash
    from attendance_part a
    join employees e on e.valid_from <= last_day(a.period) and e.valid_to >= a.period
    group by a.period
),

final as (
    select
        a.period,
        concat_ws(':', a.n_rows, a.rows_hash, coalesce(a.known_hash, 0), coalesce(c.days_hash, 0),
                  coalesce(e.versions_hash, 0)) as fingerprint
    from attendance_part a
    left join calendar_part c using (period)
    left join employee_part e using (period)
)

select * from final order by period
