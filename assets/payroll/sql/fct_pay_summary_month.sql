-- fct_pay_summary_month: Pay totals of a register without payslips (yearly or monthly pay summaries), spread over the months of their period.
-- grain: one row per pay summary (register line) per calendar month of its pay period
-- schema: core
-- needs: pay_summaries.period_start, pay_summaries.period_end, pay_summaries.gross_pay
--
-- A summary covers period_start .. period_end (e.g. a 2016 annual register: 2016-01-01 .. 2016-12-31). Its
-- amounts are spread evenly over the calendar months the period touches: each month gets amount / n_months
-- (annual / 12 for a calendar year), whatever the person's hire date, because the register does not say when in
-- the year the pay was earned. is_paid: the summary shows pay for the period (gross pay not empty and not 0).
-- A register has no employee id as a rule, so each summary line is one person (summary_key: its source line).
-- annual_salary is the contractual salary at the period end and is not spread.
-- column: summary_key: Source line of the register the month comes from (contract, file, line).
-- column: n_months: Months of the pay period the totals were spread over.
-- column: is_paid: True when the person was paid something in the month.
-- column: gross_pay_idr: Gross pay for the month (the period's total spread evenly over its months).
-- column: base_pay_idr: Basic pay for the month.
-- column: overtime_pay_idr: Overtime pay for the month.
-- column: other_pay_idr: Allowances, bonuses and other earnings for the month.
with summaries as (
    select * from canonical.pay_summaries
),

keyed as (
    select
        source_line_key(_source_contract, _source_path, _line_no) as summary_key,
        *,
        date_trunc('month', period_start)::date as first_month,
        date_trunc('month', period_end)::date as last_month
    from summaries
    where period_start is not null and period_end is not null and period_end >= period_start
),

months as (
    select
        k.*,
        unnest(generate_series(k.first_month, k.last_month, interval 1 month))::date as period,
        date_diff('month', k.first_month, k.last_month) + 1 as n_months
    from keyed k
),

final as (
    select
        summary_key,
        period,
        n_months,
        employee_id,
        department_id,
        department_name,
        gender,
        position,
        employment_type,
        hire_date,
        period_start,
        period_end,
        coalesce(gross_pay, 0) <> 0 as is_paid,
        gross_pay::double / n_months as gross_pay_idr,
        base_pay::double / n_months as base_pay_idr,
        overtime_pay::double / n_months as overtime_pay_idr,
        other_pay::double / n_months as other_pay_idr,
        annual_salary,
        source_system
    from months
)

select * from final order by period, summary_key
