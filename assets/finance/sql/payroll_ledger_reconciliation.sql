-- payroll_ledger_reconciliation: Payroll register totals per month against the ledger's payroll postings, with a pass/fail.
-- grain: one row per payroll month per measure (gross, employer_contribution, pph21, bpjs_payable, net_pay)
-- schema: marts
--
-- Register side (core.fct_payslip, by payroll period): gross = sum gross_idr; employer_contribution;
-- pph21; bpjs_payable = employee BPJS + employer contributions; net_pay.
-- Ledger side (core.fct_gl_line, by ledger period): the accounts, side and journal source of each measure in
-- config/payroll_ledger_map.csv (debit | credit = that column's sum; net_debit = debit - credit;
-- net_credit = credit - debit). difference_idr = ledger - register; a measure passes when
-- |difference| <= payroll_ledger_tolerance_idr, a month when all its measures pass.
-- column: measure: Payroll register total compared (gross, employer contribution, PPh 21, BPJS payable, net pay).
-- column: payroll_register_idr: The total in the payroll register.
-- column: ledger_idr: The same total in the ledger accounts mapped to it.
-- column: is_passed: True when the difference is within payroll_ledger_tolerance_idr.
-- column: is_month_passed: True when every measure of the month passes.
with payslips as (
    select * from core.fct_payslip
),

lines as (
    select * from core.fct_gl_line
),

mapping as (
    select * from core.map_payroll_ledger
),

params as (
    select * from core.finance_parameters
),

register as (
    select
        period,
        sum(gross_idr) as gross,
        sum(employer_contribution_idr) as employer_contribution,
        sum(pph21_idr) as pph21,
        sum(employee_bpjs_idr + employer_contribution_idr) as bpjs_payable,
        sum(net_pay_idr) as net_pay
    from payslips
    group by period
),

register_long as (
    unpivot register
    on gross, employer_contribution, pph21, bpjs_payable, net_pay
    into name measure value payroll_register_idr
),

ledger as (
    select
        l.period,
        m.measure,
        sum(case m.amount_basis
            when 'debit' then l.debit_idr
            when 'credit' then l.credit_idr
            when 'net_debit' then l.debit_idr - l.credit_idr
            when 'net_credit' then l.credit_idr - l.debit_idr
        end) as ledger_idr
    from lines l
    join mapping m on m.account_code = l.account_code and (m.gl_source is null or m.gl_source = l.source)
    group by all
),

mapped_measures as (
    select distinct measure from mapping
),

joined as (
    select
        coalesce(r.period, g.period) as period,
        coalesce(r.measure, g.measure) as measure,
        coalesce(r.payroll_register_idr, 0) as payroll_register_idr,
        coalesce(g.ledger_idr, 0) as ledger_idr,
        r.period is null as is_missing_in_register,
        coalesce(r.measure, g.measure) not in (select measure from mapped_measures) as is_measure_unmapped
    from register_long r
    full join ledger g using (period, measure)
),

checked as (
    select
        j.*,
        j.ledger_idr - j.payroll_register_idr as difference_idr,
        abs(j.ledger_idr - j.payroll_register_idr) <= p.payroll_ledger_tolerance_idr
            and not j.is_measure_unmapped as is_passed
    from joined j
    cross join params p
),

final as (
    select
        period,
        measure,
        payroll_register_idr,
        ledger_idr,
        difference_idr,
        is_passed,
        bool_and(is_passed) over (partition by period) as is_month_passed,
        case
            when is_measure_unmapped then 'no ledger account is mapped to this measure in payroll_ledger_map.csv'
            when is_missing_in_register then 'ledger payroll postings in a month with no payroll register'
            when not is_passed then
                'ledger and payroll register differ by ' || regexp_replace(difference_idr::varchar, '\.00$', '')
                || ' ' || getvariable('currency')
        end as problem
    from checked
)

select * from final order by period, measure
