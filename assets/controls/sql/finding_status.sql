-- finding_status: Every control and compliance finding with its current review status, owner and latest note.
-- grain: one row per finding (finding_id)
-- schema: marts
--
-- A finding nobody reviewed yet is open. Its latest review (core.int_finding_reviews__latest) sets the status:
-- open and acknowledged keep it on the reviewers' open list, resolved and false_positive take it off
-- (core.finding_review_statuses says which is which). The findings marts and canonical.finding_reviews keep
-- the whole history; a finding the rules stop raising leaves this table with them, its reviews stay.
--   review_status     open | acknowledged | resolved | false_positive
--   is_open           still on the open list
--   reviewed_on       date of the latest review (null: never reviewed)
-- column: review_status: open, acknowledged, resolved or false_positive (open when never reviewed).
-- column: owner: Who follows the finding up.
-- column: n_reviews: Reviews of the finding so far.
with control_findings as (
    select * from marts.control_findings
),

compliance_findings as (
    select * from marts.compliance_findings
),

latest_reviews as (
    select * from core.int_finding_reviews__latest
),

statuses as (
    select * from core.finding_review_statuses
),

findings as (
    -- the findings columns in the order of the union of the families: the kind second
    select finding_id, 'control' as kind, * exclude (finding_id) from control_findings
    union all by name
    select finding_id, 'compliance' as kind, * exclude (finding_id) from compliance_findings
),

final as (
    select
        f.*,
        coalesce(l.status, 'open') as review_status,
        s.is_open,
        s.is_false_positive,
        l.owner,
        l.note,
        l.reviewed_on,
        coalesce(l.n_reviews, 0) as n_reviews
    from findings f
    left join latest_reviews l on l.finding_id = f.finding_id
    join statuses s on s.status = coalesce(l.status, 'open')
)

-- the findings columns are named in core.int_controls__findings (sqlfluff cannot count a `* exclude`)
select * from final order by kind, control_code, period, entity_key, finding_id  -- noqa: AM04
