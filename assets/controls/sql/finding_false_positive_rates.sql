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

reviewed as (
    -- each finding with the flags of its latest review status
    select f.kind, f.control_code, f.finding_id, s.is_open, s.is_dispositioned, s.is_false_positive
    from finding_status f
    join statuses s on s.status = f.review_status
),

final as (
    -- by kind too: input_missing is a code of both kinds, each with its own findings; a rule without findings
    -- counts 0 of each
    select
        r.control_code,
        r.kind,
        r.control_name,
        count(f.finding_id) as n_findings,
        count(*) filter (where f.is_open) as n_open,
        count(*) filter (where f.is_dispositioned) as n_closed,
        count(*) filter (where f.is_dispositioned and not f.is_false_positive) as n_resolved,
        count(*) filter (where f.is_false_positive) as n_false_positive,
        100.0 * n_false_positive / nullif(n_closed, 0) as false_positive_rate_pct
    from rules r
    left join reviewed f on f.kind = r.kind and f.control_code = r.control_code
    group by r.control_code, r.kind, r.control_name
)

select * from final order by kind, control_code
