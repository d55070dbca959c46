-- int_controls__findings: Every control and compliance finding of the families, plus one finding per rule whose input table is missing or empty.
-- grain: one row per finding (finding_id)
-- schema: core
--
-- Each int_findings__* family writes the same columns. Here the rule's kind, name and default severity come from
-- marts.control_registry (a family may set a finer severity per row), and core.control_input_status turns each
-- missing or empty input of a rule into an input_missing finding (severity high: the rule could not run, which is
-- not the same as finding nothing); a rule marked optional in the registry (a source many companies lack, such as
-- supplier spend files) raises none: without its source it is only not computable. Findings whose code is not in
-- the registry are kept with kind 'unregistered' so a typo in a model cannot hide them. Input findings have no
-- period.
with registry as (
    select * from marts.control_registry
),

input_status as (
    select * from core.control_input_status
),

not_computable as (
    -- rules whose canonical columns the loaded data does not fill (assets/canonical/needs.py)
    select * from marts.rule_computability where not is_computable
),

annual_leave as (
    select * from core.int_findings__annual_leave
),

ap_invoices as (
    select * from core.int_findings__ap_invoices
),

bank as (
    select * from core.int_findings__bank
),

benford as (
    select * from core.int_findings__benford
),

contracts as (
    select * from core.int_findings__contracts
),

income_tax as (
    select * from core.int_findings__income_tax
),

journals as (
    select * from core.int_findings__journals
),

master_data as (
    select * from core.int_findings__master_data
),

minimum_wage as (
    select * from core.int_findings__minimum_wage
),

overtime as (
    select * from core.int_findings__overtime
),

pay_bands as (
    select * from core.int_findings__pay_bands
),

payroll_register as (
    select * from core.int_findings__payroll_register
),

social_security as (
    select * from core.int_findings__social_security
),

spend as (
    select * from core.int_findings__spend
),

service_desk as (
    select * from core.int_findings__service_desk
),

thr as (
    select * from core.int_findings__thr
),

vendors as (
    select * from core.int_findings__vendors
),

working_time as (
    select * from core.int_findings__working_time
),

families as (
    select * from annual_leave
    union all by name
    select * from ap_invoices
    union all by name
    select * from bank
    union all by name
    select * from benford
    union all by name
    select * from contracts
    union all by name
    select * from income_tax
    union all by name
    select * from journals
    union all by name
    select * from master_data
    union all by name
    select * from minimum_wage
    union all by name
    select * from overtime
    union all by name
    select * from pay_bands
    union all by name
    select * from payroll_register
    union all by name
    select * from social_security
    union all by name
    select * from spend
    union all by name
    select * from service_desk
    union all by name
    select * from thr
    union all by name
    select * from vendors
    union all by name
    select * from working_time
),

input_findings as (
    select
        'input_missing:' || s.control_code || ':' || s.input_table as finding_id,
        'input_missing' as control_code,
        'high' as severity,
        'control' as entity,
        s.control_code as entity_key,
        null::date as period,
        null::varchar as department_id,
        null::bigint as amount_at_risk_idr,
        'Control ' || s.control_code || ' (' || r.name || ') did not run: its input table ' || s.input_table
            || case when s.is_present then ' is empty' else ' is missing' end
            || ', so "no exceptions" means nothing; load the source and run the refresh again.' as description,
        json_object('control_code', s.control_code, 'input_table', s.input_table, 'is_present', s.is_present,
                    'n_rows', s.n_rows)::varchar as evidence,
        s.kind
    from input_status s
    join registry r on r.code = s.control_code
    where (not s.is_present or s.n_rows = 0) and not coalesce(r.is_optional, false)
    union all
    select
        'input_missing:' || n.rule_code || ':columns' as finding_id,
        'input_missing' as control_code,
        'high' as severity,
        'control' as entity,
        n.rule_code as entity_key,
        null::date as period,
        null::varchar as department_id,
        null::bigint as amount_at_risk_idr,
        'Control ' || n.rule_code || ' (' || r.name || ') did not run: no loaded source fills '
            || array_to_string(list_transform(n.missing_columns, lambda x: replace(x, '|', ' or ')), ', ')
            || '; map a source with these columns and run the refresh again.' as description,
        json_object('control_code', n.rule_code, 'missing_columns', n.missing_columns)::varchar as evidence,
        r.kind
    from not_computable n
    join registry r on r.code = n.rule_code
    where not coalesce(r.is_optional, false) and not exists (
        select 1 from input_status s
        where s.control_code = n.rule_code and (not s.is_present or s.n_rows = 0)
    )
),

registered as (
    select
        f.finding_id,
        f.control_code,
        coalesce(f.severity, r.severity, 'medium') as severity,
        f.entity,
        f.entity_key,
        f.period,
        f.department_id,
        f.amount_at_risk_idr,
        f.description,
        f.evidence,
        coalesce(r.kind, 'unregistered') as kind
    from families f
    left join registry r on r.code = f.control_code
    where f.control_code not in (select rule_code from not_computable)
),

final as (
    select
        r.finding_id,
        r.kind,
        r.control_code,
        coalesce(g.name, case when r.control_code = 'input_missing' then 'Input table missing or empty' end)
            as control_name,
        r.severity,
        r.entity,
        r.entity_key,
        r.period,
        r.department_id,
        r.amount_at_risk_idr,
        r.description,
        r.evidence
    from (
        select * from registered
        union all by name
        select * from input_findings
    ) r
    left join registry g on g.code = r.control_code
)

select * from final order by kind, control_code, period, entity_key, finding_id
