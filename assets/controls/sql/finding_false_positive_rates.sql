-- finding_false_positive_rates: Per rule, how many findings reviewers closed and how many of those as false positives.
-- grain: one row per rule (control code) of the registry or of a finding
-- schema: marts
--
-- false_positive_rate_pct = findings whose latest review is false_positive / findings closed by a review
-- (resolved or false_positive, core.finding_review_statuses.is_dispositioned) * 100; null while a rule has no
-- closed finding. Open and acknowledged findings are not in the denominator: nobody has judged them yet.
-- column: n_findings: Findings of the rule.
-- column: n_open: Findings still open (never reviewed, or open or acknowledged).
-- column: n_closed: Findings closed by a review (resolved or false positive).
-- column: n_resolved: Findings closed as resolved.
-- column: n_false_positive: Findings closed as false positives.
-- column: false_positive_rate_pct: False positives as a percent of the findings closed by a review (empty while none is closed).
with finding_status as (
    select * from marts.finding_status
),

registry as (
    select * from marts.control_registry
),

statuses as (
    select * from core.finding_review_statuses
),

rules as (
    select code as control_code, kind, name as control_name from registry
    union
    select distinct control_code, kind, control_name from finding_status
    where control_code not in (select code from registry)
),

per_rule as (
    -- by kind too: input_missing is a code of both kinds, each with its own findings
    select
        f.kind,
        f.control_code,
        count(*) as n_findings,
        count(*) filter (where s.is_open) as n_open,
        count(*) filter (where s.is_dispositioned) as n_closed,
        count(*) filter (where s.is_dispositioned and not s.is_false_positive) as n_resolved,
        count(*) filter (where s.is_false_positive) as n_false_positive
    from finding_status f
    join statuses s on s.status = f.review_status
    group by f.kind, f.control_code
),

final as (
    select
        r.control_code,
        r.kind,
        r.control_name,
        coalesce(p.n_findings, 0) as n_findings,
        coalesce(p.n_open, 0) as n_open,
        coalesce(p.n_closed, 0) as n_closed,
        coalesce(p.n_resolved, 0) as n_resolved,
        coalesce(p.n_false_positive, 0) as n_false_positive,
        100.0 * p.n_false_positive / nullif(p.n_closed, 0) as false_positive_rate_pct
    from rules r
    left join per_rule p on p.kind = r.kind and p.control_code = r.control_code
)

select * from final order by kind, control_code
