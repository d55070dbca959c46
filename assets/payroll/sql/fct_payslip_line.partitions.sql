-- Monthly partitions of core.fct_payslip_line (pipelines/partitions.py): per payroll period, a fingerprint of
-- every input that can change a line of that period. A period whose fingerprint is unchanged is not rebuilt.
--   lines       the staged payslip lines of the period (file version and line)
--   catalogue   the whole component catalogue (a change rebuilds every period)
--   employees   the employed versions that start by the period's end, validity clipped to it (the department
--               on the pay date, or the one joined later that month), so later hires and leavers change nothing
--   known ids   which ids paid in the period the HRIS knows
with lines as (
    select * from canonical.payslip_lines
),

components as (
    select * from core.dim_payroll_component
),

employees as (
    select * from core.dim_employee
),

known_ids as (
    select distinct employee_id from employees
),

typed as (
    select
        payroll_period(period, pay_date) as period,
        employee_id,
        _file_sha256,
        _line_no
    from lines
),

by_employee_period as (
    select period, employee_id, count(*) as n_rows, bit_xor(hash(_file_sha256, _line_no)) as rows_hash
    from typed
    group by all
),

lines_part as (
    select
        b.period,
        sum(b.n_rows) as n_rows,
        bit_xor(b.rows_hash) as rows_hash,
        bit_xor(hash(b.employee_id)) filter (where k.employee_id is not null) as known_hash
    from by_employee_period b
    left join known_ids k using (employee_id)
    group by b.period
),

catalogue as (
    select coalesce(bit_xor(hash(c)), 0) as catalogue_hash from components c
),

employee_part as (
    select
        l.period,
        bit_xor(hash(e.employee_id, e.department_id, e.valid_from, least(e.valid_to, last_day(l.period))))
            as versions_hash
    from lines_part l
    join employees e on e.is_employed and e.valid_from <= last_day(l.period)
    group by l.period
),

final as (
    select
        l.period,
        concat_ws(':', l.n_rows, l.rows_hash, coalesce(l.known_hash, 0), c.catalogue_hash,
                  coalesce(e.versions_hash, 0)) as fingerprint
    from lines_part l
    cross join catalogue c
    left join employee_part e using (period)
)

select * from final order by period
