-- kpi_hr__pay: Gender pay gap (mean and median, on hourly pay) and compa-ratio against pay-band midpoints, at month end.
-- grain: one row per month per department (and ALL for the company) per KPI code
-- schema: marts
--
-- Population: the period-end headcount (as headcount_period_end in kpi_hr__workforce), with the pay, grade and
-- department of each person's version on the last day of the month.
-- Formulas (docs/kpi_definitions.md 1.2):
--   hourly pay = (base_salary_idr + fixed_allowance_idr) / overtime_hourly_divisor (173, reference.labour_parameters
--                in force on the last day; PP 35/2021 Pasal 32), so part-timers and full-timers compare [S11]
--   gender_pay_gap_mean_pct   = (mean hourly pay of men - of women) / mean hourly pay of men * 100 (UK method)
--   gender_pay_gap_median_pct = the same with medians; numerator = the difference in IDR an hour,
--                               denominator = men's mean (or median) in IDR an hour
--   compa_ratio = sum of base_salary_idr / sum of the midpoints (mid_idr) of each person's grade band in force on
--                 the last day (WorldatWork group ratio, not a mean of ratios); people whose grade has no band
--                 are left out (the HR findings mart lists them)
-- Small groups (privacy, item 6): a pay gap needs at least getvariable('min_group_size') men and as many women,
-- a compa-ratio at least that many people with a band; otherwise value, numerator and denominator are null.
with workforce as (
    select * from marts.kpi_hr__workforce
),

periods as (
    select * from core.dim_period
),

employed as (
    select * from core.dim_employee where is_employed
),

pay_bands as (
    select * from canonical.pay_bands
),

hourly_divisors as (
    select * from reference.labour_parameters where parameter = 'overtime_hourly_divisor'
),

spine as (
    select distinct period, department_id from workforce
),

at_period_end as (
    select
        p.period,
        p.period_end,
        e.employee_id,
        e.department_id,
        e.gender,
        e.grade,
        e.base_salary_idr,
        coalesce(e.fixed_allowance_idr, 0) as fixed_allowance_idr
    from periods p
    join employed e on is_in_headcount_after(p.period_end, e.is_employed, e.valid_from, e.valid_to, e.termination_date)
    where e.base_salary_idr is not null
),

hourly as (
    -- means are taken on the whole-rupiah monthly pay and then divided, so they are exact and repeatable
    select
        a.*,
        a.base_salary_idr + a.fixed_allowance_idr as monthly_pay_idr,
        d.value::double as hourly_divisor
    from at_period_end a
    join hourly_divisors d on is_in_force(a.period_end, d.effective_from, d.effective_to)
),

gender_groups as (
    select
        s.period,
        s.department_id,
        count(*) filter (where h.gender = 'M') >= getvariable('min_group_size')
            and count(*) filter (where h.gender = 'F') >= getvariable('min_group_size') as is_gap_reportable,
        avg(h.monthly_pay_idr) filter (where h.gender = 'M') / any_value(h.hourly_divisor) as mean_men,
        avg(h.monthly_pay_idr) filter (where h.gender = 'F') / any_value(h.hourly_divisor) as mean_women,
        median(h.monthly_pay_idr) filter (where h.gender = 'M') / any_value(h.hourly_divisor) as median_men,
        median(h.monthly_pay_idr) filter (where h.gender = 'F') / any_value(h.hourly_divisor) as median_women
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from hourly) h
        on h.period = s.period and h.group_id = s.department_id
    group by s.period, s.department_id
),

banded as (
    select a.period, a.department_id, a.base_salary_idr, b.mid_idr
    from at_period_end a
    join pay_bands b
        on b.grade = a.grade
        and is_in_force(a.period_end, b.effective_from, b.effective_to)
),

band_groups as (
    select
        s.period,
        s.department_id,
        count(b.period) >= getvariable('min_group_size') and count(b.period) > 0 as is_compa_reportable,
        sum(b.base_salary_idr) as pay_idr,
        sum(b.mid_idr) as midpoints_idr
    from spine s
    left join (select *, unnest(group_ids(department_id)) as group_id from banded) b
        on b.period = s.period and b.group_id = s.department_id
    group by s.period, s.department_id
),

by_group as (
    -- a group too small to report shows no pay figures
    select
        period,
        department_id,
        case when is_gap_reportable then mean_men end as mean_men,
        case when is_gap_reportable then mean_women end as mean_women,
        case when is_gap_reportable then median_men end as median_men,
        case when is_gap_reportable then median_women end as median_women,
        case when is_compa_reportable then pay_idr end as pay_idr,
        case when is_compa_reportable then midpoints_idr end as midpoints_idr
    from gender_groups
    join band_groups using (period, department_id)
),

final as (
    select period, department_id, unnest([
        kpi_pct_row('gender_pay_gap_mean_pct', mean_men - mean_women, mean_men),
        kpi_pct_row('gender_pay_gap_median_pct', median_men - median_women, median_men),
        kpi_ratio_row('compa_ratio', pay_idr, midpoints_idr)
    ], recursive := true)
    from by_group
)

select * from final order by period, department_id, kpi_code
