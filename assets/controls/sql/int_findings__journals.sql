-- int_findings__journals: Journal-entry exceptions: creator = approver on journals and payments, round amounts, postings on weekends and holidays.
-- grain: one row per finding (control_code, journal)
-- schema: core
--
-- Rules (docs/audit_tests.md section 3, tests 8, 11 and 12; thresholds from core.control_parameters). Balances
-- brought forward (opening balances) are not entries and are left out. A journal is a payment when one of its
-- lines credits a company bank account (core.fct_gl_line.bank_account_id).
--   sod_journal / sod_payment  a line whose approved_by = created_by (unless the user is in sod_exception_users)
--   round_amount               a journal of round_amount_sources with a line amount >= round_amount_min_idr that
--                              is a whole multiple of round_amount_modulus_idr
--   weekend_holiday_posting    posting date on a weekly rest day or a public holiday of core.dim_date, or on a
--                              collective-leave day when weekend_posting_include_collective_leave
-- amount_at_risk_idr is the journal's total debit (its absolute value: a reversal may carry negative debits);
-- department_id the department of its largest expense line. A ledger export without a source, description or
-- user leaves that part out of the sentence.
with lines as (
    select * from core.fct_gl_line
),

days as (
    select * from core.dim_date
),

params as (
    select * from core.control_parameters
),

journals as (
    select
        journal_id,
        min(posting_date) as posting_date,
        min(entry_date) as entry_date,
        min(period) as period,
        any_value(source) as source,
        any_value(reference) as reference,
        any_value(description) as description,
        string_agg(distinct created_by, ', ') as created_by,
        string_agg(distinct approved_by, ', ') as approved_by,
        bool_or(created_by = approved_by) as is_self_approved,
        bool_or(bank_account_id is not null and credit_idr > 0) as is_payment,
        sum(debit_idr)::bigint as total_debit_idr,
        arg_max(department_id, debit_idr) filter (where department_id is not null) as department_id,
        count(*) as n_lines
    from lines
    where not coalesce(is_brought_forward, false)
    group by journal_id
),

self_approved as (
    select
        case when j.is_payment then 'sod_payment' else 'sod_journal' end as control_code,
        j.*,
        case when j.is_payment then 'Payment journal ' else 'Journal ' end || j.journal_id || ' ('
            || j.source || ', ' || money_text(j.total_debit_idr) || ', posted '
            || strftime(j.posting_date, '%Y-%m-%d') || ') was created and approved by the same user '
            || j.created_by || '; have an authorised approver review it.' as finding_text,
        json_object('source', j.source, 'reference', j.reference, 'created_by', j.created_by,
                    'approved_by', j.approved_by, 'posting_date', j.posting_date,
                    'total_debit_idr', j.total_debit_idr, 'n_lines', j.n_lines)::varchar as evidence
    from journals j
    cross join params p
    where j.is_self_approved
        and not list_contains(p.sod_exception_users, j.created_by)
),

round_lines as (
    select
        l.journal_id,
        list(greatest(l.debit_idr, l.credit_idr) order by l.line_no) as round_amounts_idr
    from lines l
    cross join params p
    where list_contains(p.round_amount_sources, l.source)
        and not coalesce(l.is_brought_forward, false)
        and greatest(l.debit_idr, l.credit_idr) >= p.round_amount_min_idr
        and greatest(l.debit_idr, l.credit_idr) % p.round_amount_modulus_idr = 0
    group by l.journal_id
),

round_amounts as (
    select
        'round_amount' as control_code,
        j.*,
        'Journal ' || j.journal_id || ' (' || coalesce(j.source || ', ', '')
            || coalesce('"' || j.description || '", ', '') || 'posted ' || strftime(j.posting_date, '%Y-%m-%d')
            || coalesce(' by ' || j.created_by, '') || ') carries the round amount '
            || money_text(list_max(r.round_amounts_idr)) || '; ask for the calculation and the support.'
            as finding_text,
        json_object('source', j.source, 'reference', j.reference, 'created_by', j.created_by,
                    'approved_by', j.approved_by, 'round_amounts_idr', r.round_amounts_idr,
                    'modulus_idr', p.round_amount_modulus_idr)::varchar as evidence
    from journals j
    join round_lines r using (journal_id)
    cross join params p
),

off_days as (
    select
        'weekend_holiday_posting' as control_code,
        j.*,
        'Journal ' || j.journal_id || ' (' || coalesce(j.source || ', ', '') || money_text(j.total_debit_idr)
            || coalesce(', by ' || j.created_by, '') || ') was posted on ' || strftime(j.posting_date, '%Y-%m-%d')
            || ', '
            || case
                when d.is_public_holiday then 'a public holiday (' || d.holiday_name || ')'
                when d.is_collective_leave then 'a collective-leave day (' || d.holiday_name || ')'
                else 'a weekly rest day (' || dayname(j.posting_date) || ')'
            end || '; confirm why it was entered then and that it is supported.' as finding_text,
        json_object('source', j.source, 'posting_date', j.posting_date, 'day_of_week', dayname(j.posting_date),
                    'holiday_name', d.holiday_name, 'is_rest_day', d.is_rest_day,
                    'is_public_holiday', d.is_public_holiday, 'is_collective_leave', d.is_collective_leave,
                    'created_by', j.created_by, 'approved_by', j.approved_by)::varchar as evidence
    from journals j
    join days d on d.date_day = j.posting_date
    cross join params p
    where d.is_rest_day
        or d.is_public_holiday
        or (d.is_collective_leave and p.weekend_posting_include_collective_leave)
),

unioned as (
    select * from self_approved
    union all by name
    select * from round_amounts
    union all by name
    select * from off_days
),

final as (
    select
        control_code || ':' || journal_id as finding_id,
        control_code,
        null::varchar as severity,
        case when control_code = 'sod_payment' then 'payment' else 'journal' end as entity,
        journal_id as entity_key,
        coalesce(period, date_trunc('month', posting_date)::date) as period,
        department_id,
        abs(total_debit_idr) as amount_at_risk_idr,
        finding_text as description,
        evidence
    from unioned
)

select * from final order by control_code, entity_key
