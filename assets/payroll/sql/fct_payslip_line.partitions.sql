-- Monthly partitions of core.fct_payslip_line (pipelines/partitions.py): per payroll period, a fingerprint of
-- every input that can change a line of that period. A period whose fingerprint is unchanged is not rebuilt.
--   lines       the staged payslip lines of the period (their values, file version and line)
--   catalogue   the whole component catalogue (a change rebuilds every period)
--   employees   the employed versions that start by the period's end, validity clipped to it (the department
--               on the pay date, or the one joined later that month), so later hires and leavers change nothing
--   known ids   which ids paid in the period the HRIS knows
-- Each part reads the model's input tables itself: it is their fingerprint, not a model of its own.
with lines_part as (
    select
        payroll_period(l.period, l.pay_date) as period,
        staged_rows_fingerprint(l, l.employee_id, k.employee_id is not null)
            as rows_fingerprint
    from canonical.payslip_lines l
    left join core.dim_employee k on k.employee_id = l.employee_id and k.is_current
    group by all
),

catalogue as (
    select coalesce(bit_xor(hash(c)), 0) as catalogue_hash from core.dim_payroll_component c
),

employee_part as (
    select
        l.period,
        bit_xor(hash(e.employee_id, e.department_id, e.valid_from, least(e.valid_to, last_day(l.period))))
            as versions_hash
    from lines_part l
    join core.dim_employee e on is_employed_by_month_end(l.period, e.is_employed, e.valid_from)
    group by l.period
),

final as (
    select
        l.period,
        concat_ws(':', l.rows_fingerprint, c.catalogue_hash, coalesce(e.versions_hash, 0)) as fingerprint
    from lines_part l
    cross join catalogue c
    left join employee_part e using (period)
)

select * from final order by period
