-- Monthly partitions of core.int_payroll__payslip_context (pipelines/partitions.py): per payroll period, a
-- fingerprint of every input that can change the context of a payslip of that period.
--   year to date  the payslips of the period's tax year paid by its last pay date: the year-to-date window reads a
--                 payslip's earlier ones by pay date, so the payslips of later months change no earlier period
--   data start    the first period of payroll data (whether a tax year's earlier payslips are all here)
--   employees     the employed versions that start by the period's end of the people paid in it, validity and
--                 termination clipped to the period's end: a later leaver or pay rise leaves earlier periods alone
--   reference     the departments' regions and the PPh 21 parameters, whole (a change rebuilds every period)
with periods as (
    select
        period,
        year(period) as tax_year,
        max(pay_date) as last_pay_date
    from core.fct_payslip
    group by period
),

paid_by_day as (
    -- per tax year and pay day, the payslips paid that day and on every earlier day of the year
    select
        tax_year,
        pay_date,
        sum(n_payslips) over paid_so_far as n_payslips,
        bit_xor(rows_hash) over paid_so_far as rows_hash
    from (
        select
            year(p.period) as tax_year,
            p.pay_date,
            count(*) as n_payslips,
            bit_xor(hash(p)) as rows_hash
        from core.fct_payslip p
        group by all
    )
    window paid_so_far as (partition by tax_year order by pay_date)
),

employee_part as (
    select
        s.period,
        bit_xor(hash(
            e.employee_id, e.spell_no, e.hire_date, e.department_id, e.base_salary_idr, e.fixed_allowance_idr,
            e.work_location, e.ptkp_status, e.valid_from, least(e.valid_to, last_day(s.period)),
            case when e.termination_date <= last_day(s.period) then e.termination_date end
        )) as versions_hash
    from (select distinct period, employee_id from core.fct_payslip) s
    join core.dim_employee e
        on e.employee_id = s.employee_id and is_employed_by_month_end(s.period, e.is_employed, e.valid_from)
    group by s.period
),

reference_part as (
    select
        (select min(period) from core.fct_payslip) as data_first_period,
        (select bit_xor(hash(department_id, region_code)) from canonical.departments) as regions_hash,
        (select rows_fingerprint(p) from reference.pph21_parameters p) as parameters_fingerprint
),

final as (
    select
        p.period,
        concat_ws(
            ':', y.n_payslips, y.rows_hash, coalesce(e.versions_hash, 0), r.data_first_period, r.regions_hash,
            r.parameters_fingerprint
        ) as fingerprint
    from periods p
    join paid_by_day y on y.tax_year = p.tax_year and y.pay_date = p.last_pay_date
    left join employee_part e using (period)
    cross join reference_part r
)

select * from final order by period
