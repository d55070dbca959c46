"""SQL of the quality marts. They are views: check results arrive in meta.check_results while the nightly run
goes on (a check runs after its table), so a view shows every result of the run whenever it is read, where a
table built at one point of the run would miss the checks that ran after it.

- marts.quality_check_daily: one row per day and table: checks passed and failed (ERROR, WARN) by each
  check's last result that day.
- marts.quality_quarantine_by_source: one row per source: files, rows read, staged and quarantined, and the
  quarantine rules that caught rows.
- marts.quality_findings_summary: one row per findings table, control code, severity and department: findings
  and amount at risk, from marts.control_findings and marts.compliance_findings when they exist.
"""

from __future__ import annotations

from assets.controls.registry import FINDINGS_MARTS

CHECK_DAILY = """
create or replace view marts.quality_check_daily as
with results as (
    select * from meta.check_results
),

last_of_day as (
    -- a check evaluated twice on one day (a rerun) counts once, by its last result
    select *, checked_at::date as check_date
    from results
    qualify row_number() over (
        partition by checked_at::date, table_name, check_name order by checked_at desc
    ) = 1
),

final as (
    select
        check_date,
        split_part(table_name, '.', 1) as layer,
        table_name,
        count(*) as n_checks,
        count(*) filter (where passed) as n_passed,
        count(*) filter (where not passed) as n_failed,
        count(*) filter (where not passed and severity = 'ERROR') as n_failed_error,
        count(*) filter (where not passed and severity = 'WARN') as n_failed_warn,
        coalesce(sum(unexpected_count), 0) as n_unexpected_rows,
        count(*) filter (where not passed) = 0 as is_all_passed,
        coalesce(list(check_name order by check_name) filter (where not passed), []) as failed_checks,
        max(checked_at) as last_checked_at
    from last_of_day
    group by check_date, table_name
)

select * from final
"""

QUARANTINE_BY_SOURCE = """
create or replace view marts.quality_quarantine_by_source as
with manifest as (
    select * from meta.load_manifest
),

rules as (
    {rules}
),

per_source as (
    select
        contract as source,
        split_part(contract, '__', 1) as system,
        split_part(contract, '__', 2) as entity,
        count(*) filter (where status = 'loaded') as n_files_loaded,
        count(*) filter (where status = 'failed') as n_files_failed,
        coalesce(sum(rows_read) filter (where status = 'loaded'), 0) as n_rows_read,
        coalesce(sum(rows_staged) filter (where status = 'loaded'), 0) as n_rows_staged,
        coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0) as n_rows_quarantined,
        max(loaded_at) filter (where status = 'loaded') as last_loaded_at
    from manifest
    group by contract
),

rules_per_source as (
    select
        source,
        string_agg(rule || ': ' || n_rows, ', ' order by n_rows desc, rule) as quarantine_rules,
        arg_max(rule, n_rows) as top_rule
    from rules
    group by source
),

final as (
    select
        p.*,
        round(100.0 * p.n_rows_quarantined / nullif(p.n_rows_read, 0), 4) as pct_rows_quarantined,
        r.top_rule,
        r.quarantine_rules
    from per_source p
    left join rules_per_source r using (source)
)

select * from final
"""

RULES_OF_ONE_SOURCE = "select '{source}' as source, rule, count(*) as n_rows from quarantine.{source} group by rule"
NO_RULES = "select null::varchar as source, null::varchar as rule, 0::bigint as n_rows where false"

FINDINGS_SUMMARY = """
create or replace view marts.quality_findings_summary as
with findings as (
    {findings}
),

final as (
    select
        finding_source,
        control_code,
        severity,
        coalesce(department_id, 'UNASSIGNED') as department_id,
        count(*) as n_findings,
        count(distinct entity_key) as n_entities,
        coalesce(sum(amount_at_risk_idr), 0) as amount_at_risk_idr,
        min(period) as first_period,
        max(period) as last_period
    from findings
    group by all
)

select * from final
"""

FINDINGS_OF_ONE_TABLE = """select '{kind}' as finding_source, control_code::varchar as control_code,
           severity::varchar as severity, department_id::varchar as department_id,
           entity_key::varchar as entity_key, amount_at_risk_idr::double as amount_at_risk_idr,
           period::date as period
    from marts.{table}"""
NO_FINDINGS = """select null::varchar as finding_source, null::varchar as control_code, null::varchar as severity,
           null::varchar as department_id, null::varchar as entity_key, null::double as amount_at_risk_idr,
           null::date as period
    where false"""

# findings table -> what its rows are (the other engineer's marts, read only when they exist)
# findings mart name -> the kind of its rules
FINDINGS_TABLES = {table.split(".")[1]: kind for kind, table in FINDINGS_MARTS.items()}


def quarantine_view(sources: list[str]) -> str:
    union = "\n    union all\n    ".join(RULES_OF_ONE_SOURCE.format(source=s) for s in sources)
    return QUARANTINE_BY_SOURCE.format(rules=union or NO_RULES)


def findings_view(tables: list[str]) -> str:
    union = "\n    union all\n    ".join(FINDINGS_OF_ONE_TABLE.format(kind=FINDINGS_TABLES[t], table=t) for t in tables)
    return FINDINGS_SUMMARY.format(findings=union or NO_FINDINGS)
