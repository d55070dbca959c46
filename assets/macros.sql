-- Scalar macros every SQL model may call: an expression several models repeat, defined once. assets/sqlmodels.py
-- (set_variables) creates them as temporary macros of the connection before each model runs; the findings
-- families add theirs (assets/controls/macros.py). A macro reads nothing but its arguments, so the tables and
-- columns a model reads are still those its own SQL names (pipelines/sqllineage.py).

-- An amount in the reporting currency as text, with thousands separators and cents only where the amount has them.
create or replace temp macro money_text(x) as
    case
        when x is null then null
        else getvariable('currency_symbol') || case
            when x::decimal(38, 2) = round(x::decimal(38, 2)) then format('{:,}', round(x::decimal(38, 2))::hugeint)
            else format('{:,.2f}', x::double)
        end
    end;

-- A payroll period's month start: the export's 'YYYY-MM', else the pay date's month (fct_payslip_line and the
-- fingerprint of its monthly partitions must agree on it).
create or replace temp macro payroll_period(period_text, pay_day) as
    coalesce(try_strptime(period_text || '-01', '%Y-%m-%d')::date, date_trunc('month', pay_day)::date);

-- A ledger line the bank reconciliation matches: on a bank account's ledger account, not a brought-forward
-- balance, not zero (fct_bank_match, finance_bank_reconciling_items, finance_bank_unmatched_items).
create or replace temp macro is_ledger_cash_line(line_bank_account_id, line_is_brought_forward, line_amount_idr) as
    line_bank_account_id is not null and not line_is_brought_forward and line_amount_idr <> 0;

-- A variance against budget in percent of the budget's size; none without a budget (kpi_finance__budget,
-- kpi_payroll__budget, finance_budget_vs_actual).
create or replace temp macro budget_variance_pct(actual, budget) as
    case when budget <> 0 then (actual - budget) / abs(budget) * 100 end;

-- For a qualify: the pair of a bank line and a ledger line is each one's closest candidate (fewest days apart,
-- then the lowest id), so ties never match a line twice (the passes of fct_bank_match).
create or replace temp macro is_closest_match(txn_id, journal, line, days) as
    row_number() over (partition by txn_id order by days, journal, line) = 1
    and row_number() over (partition by journal, line order by days, txn_id) = 1;

-- A KPI's value from its numerator and denominator: none when there is nothing to divide by (no positive
-- denominator); kpi_pct the same in percent (the kpi_* models).
create or replace temp macro kpi_ratio(numerator, denominator) as
    case when denominator > 0 then numerator / denominator end;

create or replace temp macro kpi_pct(numerator, denominator) as kpi_ratio(numerator, denominator) * 100;

-- One row of a kpi_* model's long table, as a struct: a code with its value, numerator and denominator (doubles);
-- a total is its own value with no denominator, a ratio or percentage is computed from the two. A model ends with
-- its list of rows, `unnest([...], recursive := true)`, which gives the four columns (traced by
-- pipelines/sqllineage.py).
create or replace temp macro kpi_row(kpi_code, value, numerator, denominator) as
    {'kpi_code': kpi_code, 'value': value::double, 'numerator': numerator::double,
     'denominator': denominator::double};

create or replace temp macro kpi_total_row(kpi_code, total) as kpi_row(kpi_code, total, total, null);

create or replace temp macro kpi_ratio_row(kpi_code, numerator, denominator) as
    kpi_row(kpi_code, kpi_ratio(numerator, denominator), numerator, denominator);

create or replace temp macro kpi_pct_row(kpi_code, numerator, denominator) as
    kpi_row(kpi_code, kpi_pct(numerator, denominator), numerator, denominator);

-- The rows of a comparison with a budget: <prefix>_idr the budget, <prefix>_variance_idr actual - budget and
-- <prefix>_variance_pct that in percent of the budget's size (kpi_finance__budget, kpi_payroll__budget).
create or replace temp macro budget_kpi_rows(code_prefix, actual, budget) as [
    kpi_total_row(code_prefix || '_idr', budget),
    kpi_total_row(code_prefix || '_variance_idr', actual - budget),
    kpi_row(code_prefix || '_variance_pct', budget_variance_pct(actual, budget), actual - budget, abs(budget))
];

-- A row counts in the group of its own department and in the company's (ALL), which also takes the rows without
-- a department: the groups of a row, each once, for a join of the rows to a spine of departments and ALL on
-- equality (the kpi_* models). Joined on `group_id = 'ALL' or group_id = department_id` instead, an outer join is
-- a nested loop: at L the KPI models spent 7 s of CPU in it.
create or replace temp macro group_ids(department_id) as
    list_distinct([department_id, 'ALL']);

-- A dated reference row (a rate, a parameter, a band, a limit) in force on day: an empty effective_to means still
-- in force (the payroll recalculation, the findings families, hr_data_findings, fct_ticket, the KPIs).
create or replace temp macro is_in_force(day, effective_from, effective_to) as
    day between effective_from and coalesce(effective_to, date '9999-12-31');

-- A version of core.dim_employee employs the person on day: its is_employed, valid_from and valid_to (the
-- employed-on-a-day test of dim_employee's header; fct_attendance_daily, fct_leave, fct_training, ...).
create or replace temp macro is_employed_on(day, is_employed, valid_from, valid_to) as
    is_employed and day between valid_from and valid_to;

-- A version of core.dim_employee that employs the person and starts by the end of the month of month_start (a
-- payroll period): the versions a payslip takes its department and wage from (fct_payslip_line and its
-- partitions' fingerprint, int_payroll__payslip_context).
create or replace temp macro is_employed_by_month_end(month_start, is_employed, valid_from) as
    is_employed and valid_from <= last_day(month_start);

-- The order dim_employee reads a person's job events in (by day, a termination last on its day; event_id is the
-- key) and the spell an event belongs to (hires and rehires so far): dim_employee and hr_data_findings agree.
create or replace temp macro job_event_seq(employee_id, event_date, event_type, event_id) as
    row_number() over (partition by employee_id order by event_date, event_type = 'termination', event_id);

create or replace temp macro job_spell_no(employee_id, event_date, event_type, event_id) as
    sum(case when event_type in ('hire', 'rehire') then 1 else 0 end)
        over (partition by employee_id order by event_date, event_type = 'termination', event_id);

-- A source line's key: contract, file and line of the staged row (fct_spend_transaction, fct_pay_summary_month).
create or replace temp macro source_line_key(source_contract, source_path, line_no) as
    coalesce(source_contract, '') || ':' || coalesce(source_path, '') || ':' || coalesce(line_no, 0);

-- Aggregate, for the fingerprint of a monthly partition (pipelines/partitions.py): the staged rows of the month
-- (how many, and every value with its file version and line: a changed contract restages a file's lines with
-- other values) and which of their employee ids the HRIS knows (the .partitions.sql of fct_attendance_daily and
-- fct_payslip_line).
create or replace temp macro staged_rows_fingerprint(staged_row, employee_id, is_known_employee) as
    concat_ws(':', count(*), bit_xor(hash(staged_row)),
              coalesce(bit_xor(distinct hash(employee_id)) filter (where is_known_employee), 0));

-- A version of core.dim_employee keeps its person in the headcount after the close of day: it employs them on day
-- and day is not their last day employed (headcount_period_end of kpi_hr__workforce; the period-end populations of
-- kpi_hr__organisation and kpi_hr__pay).
create or replace temp macro is_in_headcount_after(day, is_employed, valid_from, valid_to, termination_date) as
    is_employed_on(day, is_employed, valid_from, valid_to) and (termination_date is null or termination_date > day);

-- Every row of a table as one value, for a partitions fingerprint (pipelines/partitions.py): a row added, removed
-- or changed changes it. For the small inputs a month reads whole (reference rates, the component catalogue).
create or replace temp macro rows_fingerprint(table_row) as
    concat_ws(':', count(*), coalesce(bit_xor(hash(table_row)), 0));
