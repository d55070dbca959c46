-- int_payroll__expected_pph21: PPh 21 each payslip should withhold, recomputed from the reference tax tables.
-- grain: one row per employee per payroll run
-- schema: core
--
-- Law (docs/payroll_rules.md 2.1-2.4), every rate, cap and bracket from reference.* by effective date:
--   TER month         round_half_up(TER rate of the PTKP category x taxable income of the month); the category is
--                     the PTKP status's category at 1 January of the tax year, the band lower < gross <= upper
--   ANNUALISED month  (before TER; monthly_method by period) Pasal 17 tax on
--                     PKP = 12 x (gross - biaya jabatan of the month (pct, monthly cap) - employee JHT - employee JP)
--                     - PTKP, rounded down to the PKP rounding; the month withholds round_half_up(tax / 12)
--   final month       December or the month the employment ends: Pasal 17 tax on the year's
--                     PKP = gross - biaya jabatan (pct, capped at the monthly cap x months or the annual cap)
--                     - employee JHT - employee JP - PTKP, rounded down; minus the PPh 21 already withheld this
--                     tax year (may be negative: a refund)
-- Taxable income is what the payslip paid in components the catalogue marks taxable; employee JHT and JP are the
-- amounts deducted. Rates are applied as integer millionths (pct x 10,000) and each amount is rounded half up once.
-- When something needed is missing, expected_idr is null and `problem` says what and why.
-- column: ter_category: TER category (A, B or C) from the PTKP status.
-- column: ter_rate_pct: Effective monthly rate (TER) applied, percent.
-- column: year_taxable_idr: Taxable income of the tax year so far (annual recalculation).
-- column: biaya_jabatan_idr: Occupational cost deduction (biaya jabatan).
-- column: pkp_idr: Annual taxable income after deductions and PTKP (PKP).
-- column: pasal17_tax_idr: Annual tax by the Pasal 17 brackets.
-- column: withheld_before_idr: PPh 21 withheld in the year's earlier months.
-- personal: taxable_income_idr, year_taxable_idr, pkp_idr, expected_idr, actual_idr
with context as (
    select * from core.int_payroll__payslip_context
),

ptkp as (
    select * from reference.ptkp
),

ter as (
    select * from reference.pph21_ter_monthly
),

pasal17 as (
    select * from reference.pph21_pasal17
),

pph21_parameters as (
    select * from reference.pph21_parameters
),

period_parameters as (
    select
        p.period,
        max(round(m.value::double * 10000)::bigint) filter (where m.parameter = 'biaya_jabatan_pct')
            as biaya_jabatan_units,
        max(m.value::bigint) filter (where m.parameter = 'biaya_jabatan_monthly_cap_idr')
            as biaya_jabatan_monthly_cap_idr,
        max(m.value::bigint) filter (where m.parameter = 'biaya_jabatan_annual_cap_idr')
            as biaya_jabatan_annual_cap_idr,
        max(m.value::bigint) filter (where m.parameter = 'pkp_rounding_down_idr') as pkp_rounding_idr
    from (select distinct period from context) p
    left join pph21_parameters m
        on is_in_force(p.period, m.effective_from, m.effective_to)
        and m.parameter in (
            'biaya_jabatan_pct', 'biaya_jabatan_monthly_cap_idr', 'biaya_jabatan_annual_cap_idr',
            'pkp_rounding_down_idr'
        )
    group by p.period
),

with_status as (
    select
        c.*,
        k.ptkp_status is not null as is_known_ptkp,
        k.ptkp_annual_idr::bigint as ptkp_annual_idr,
        nullif(trim(k.ter_category), '') as ter_category,
        case when c.is_final_tax_period then 'ANNUAL' else c.monthly_method end as method,
        pp.biaya_jabatan_units,
        pp.biaya_jabatan_monthly_cap_idr,
        pp.biaya_jabatan_annual_cap_idr,
        pp.pkp_rounding_idr
    from context c
    left join ptkp k
        on k.ptkp_status = c.ptkp_status
        and is_in_force(make_date(c.tax_year, 1, 1), k.effective_from, k.effective_to)
    left join period_parameters pp on pp.period = c.period
),

ter_rate as (
    -- the band with lower < gross <= upper: the lowest band whose upper bound is not below the gross
    select
        s.run_id,
        s.employee_id,
        arg_min(t.rate_pct, t.gross_lower_excl_idr) as rate_pct
    from with_status s
    join ter t
        on t.category = s.ter_category
        and is_in_force(s.period, t.effective_from, t.effective_to)
        and s.taxable_income_idr <= coalesce(t.gross_upper_incl_idr, s.taxable_income_idr)
    where s.method = 'TER'
    group by s.run_id, s.employee_id
),

taxable_year as (
    select
        *,
        ytd_taxable_before_idr + taxable_income_idr as year_taxable_idr,
        ytd_jht_ee_before_idr + jht_ee_idr as year_jht_ee_idr,
        ytd_jp_ee_before_idr + jp_ee_idr as year_jp_ee_idr,
        least(biaya_jabatan_monthly_cap_idr * n_tax_months, biaya_jabatan_annual_cap_idr) as year_biaya_jabatan_cap_idr
    from with_status
),

pkp as (
    -- amounts scaled by 1,000,000 so the 5% biaya jabatan stays exact before the PKP is rounded down
    select
        run_id,
        employee_id,
        case method
            when 'ANNUAL' then greatest(
                (year_taxable_idr - year_jht_ee_idr - year_jp_ee_idr - ptkp_annual_idr)::hugeint * 1000000
                - least(year_taxable_idr::hugeint * biaya_jabatan_units, year_biaya_jabatan_cap_idr::hugeint * 1000000),
                0
            ) // (pkp_rounding_idr * 1000000) * pkp_rounding_idr
            when 'ANNUALISED' then greatest(
                12 * ((taxable_income_idr - jht_ee_idr - jp_ee_idr)::hugeint * 1000000
                    - least(taxable_income_idr::hugeint * biaya_jabatan_units,
                            biaya_jabatan_monthly_cap_idr::hugeint * 1000000))
                - ptkp_annual_idr::hugeint * 1000000,
                0
            ) // (pkp_rounding_idr * 1000000) * pkp_rounding_idr
        end as pkp_idr,
        case method
            when 'ANNUAL' then least(year_taxable_idr::hugeint * biaya_jabatan_units,
                                     year_biaya_jabatan_cap_idr::hugeint * 1000000) // 1000000
            when 'ANNUALISED' then least(taxable_income_idr::hugeint * biaya_jabatan_units,
                                         biaya_jabatan_monthly_cap_idr::hugeint * 1000000) // 1000000
        end as biaya_jabatan_idr
    from taxable_year
    where method in ('ANNUAL', 'ANNUALISED')
),

pasal17_tax as (
    select
        p.run_id,
        p.employee_id,
        count(b.pkp_lower_excl_idr) as n_brackets,
        (2 * sum(
            greatest(least(p.pkp_idr, coalesce(b.pkp_upper_incl_idr, p.pkp_idr)) - b.pkp_lower_excl_idr, 0)
            * round(b.rate_pct * 10000)::bigint
        ) + 1000000) // 2000000 as tax_idr
    from pkp p
    join taxable_year t on t.run_id = p.run_id and t.employee_id = p.employee_id
    left join pasal17 b on is_in_force(t.period, b.effective_from, b.effective_to)
    group by p.run_id, p.employee_id
),

expected as (
    select
        t.*,
        r.rate_pct as ter_rate_pct,
        k.pkp_idr,
        k.biaya_jabatan_idr,
        x.tax_idr as pasal17_tax_idr,
        x.n_brackets,
        case t.method
            when 'TER' then (2 * greatest(t.taxable_income_idr, 0)::hugeint * round(r.rate_pct * 10000)::bigint
                             + 1000000) // 2000000
            when 'ANNUALISED' then (2 * x.tax_idr + 12) // 24
            when 'ANNUAL' then x.tax_idr - t.ytd_pph21_before_idr
        end as computed_idr,
        case
            when not t.is_known_employee then
                'Payslip for employee ' || t.employee_id || ', who is not in the HR master or job history: '
                || 'there is no PTKP status or employment to recompute PPh 21 from.'
            when not t.has_employment then
                'Employee ' || t.employee_id || ' has no employment on record by the end of '
                || strftime(t.period, '%Y-%m') || ' (paid before the hire date?), so PPh 21 cannot be recomputed.'
            when t.ptkp_status is null then
                'Employee ' || t.employee_id || ' has no PTKP status in the HR master; PPh 21 cannot be recomputed '
                || 'until it is filled in.'
            when not t.is_known_ptkp then
                'PTKP status ''' || t.ptkp_status || ''' of employee ' || t.employee_id || ' is not in reference.ptkp '
                || 'for ' || t.tax_year || '; fix the status in the HR master or add it to the reference data.'
            when t.method is null then
                'No PPh 21 monthly method in reference.pph21_parameters on ' || strftime(t.period, '%Y-%m-%d')
                || ', so the month''s PPh 21 cannot be recomputed.'
            when t.method not in ('TER', 'ANNUALISED', 'ANNUAL') then
                'PPh 21 monthly method ''' || t.method || ''' in reference.pph21_parameters is not one this '
                || 'recalculation knows (TER or ANNUALISED).'
            when t.method = 'TER' and t.ter_category is null then
                'PTKP status ' || t.ptkp_status || ' of employee ' || t.employee_id || ' has no TER category in '
                || 'reference.ptkp (PP 58/2023 assigns none to K/I), so the monthly TER cannot be applied.'
            when t.method = 'TER' and r.rate_pct is null then
                'No TER rate in reference.pph21_ter_monthly for category ' || t.ter_category || ' on '
                || strftime(t.period, '%Y-%m-%d') || ' covering a taxable income of '
                || money_text(t.taxable_income_idr) || '.'
            when t.method in ('ANNUAL', 'ANNUALISED')
                and (t.biaya_jabatan_units is null or t.biaya_jabatan_monthly_cap_idr is null
                     or t.biaya_jabatan_annual_cap_idr is null or t.pkp_rounding_idr is null) then
                'Biaya jabatan or PKP rounding parameters are missing from reference.pph21_parameters on '
                || strftime(t.period, '%Y-%m-%d') || ', so the Pasal 17 calculation cannot be done.'
            when t.method in ('ANNUAL', 'ANNUALISED') and coalesce(x.n_brackets, 0) = 0 then
                'No Pasal 17 brackets in reference.pph21_pasal17 on ' || strftime(t.period, '%Y-%m-%d')
                || ', so the Pasal 17 calculation cannot be done.'
            when t.method = 'ANNUAL' and not coalesce(t.is_ytd_complete, false) then
                'The annual recalculation needs the whole tax year, but the payslips start in '
                || strftime(t.data_first_period, '%Y-%m') || ' and employee ' || t.employee_id
                || ' was employed before that; the PPh 21 withheld earlier in ' || t.tax_year || ' is not in the data.'
        end as problem
    from taxable_year t
    left join ter_rate r on r.run_id = t.run_id and r.employee_id = t.employee_id
    left join pkp k on k.run_id = t.run_id and k.employee_id = t.employee_id
    left join pasal17_tax x on x.run_id = t.run_id and x.employee_id = t.employee_id
),

final as (
    select
        run_id,
        period,
        pay_date,
        employee_id,
        department_id,
        method,
        ptkp_status,
        ter_category,
        taxable_income_idr,
        ter_rate_pct,
        case when method = 'ANNUAL' then year_taxable_idr end as year_taxable_idr,
        biaya_jabatan_idr,
        pkp_idr,
        pasal17_tax_idr,
        case when method = 'ANNUAL' then ytd_pph21_before_idr end as withheld_before_idr,
        case when problem is null then computed_idr::bigint end as expected_idr,
        pph21_idr as actual_idr,
        problem
    from expected
)

select * from final order by period, run_id, employee_id
