-- int_finding_reviews__latest: The latest review of each finding, which sets its status, with the owner who follows it up.
-- grain: one row per reviewed finding (finding_id)
-- schema: core
--
-- canonical.finding_reviews keeps every review ever made (the history stays there). The latest review of a
-- finding is the one with the latest reviewed_on; on the same day, the later row of the newer file wins.
-- A review that leaves the owner blank keeps the owner named before. Reviews with a status that
-- core.finding_review_statuses does not list (a tracker label no contract mapped) are left out here.
-- column: owner: Who follows the finding up (the latest owner named in a review).
-- column: first_reviewed_on: Day of the finding's first review.
-- column: n_reviews: Reviews of the finding so far.
with reviews as (
    select * from canonical.finding_reviews
),

statuses as (
    select * from core.finding_review_statuses
),

cleaned as (
    select
        trim(r.finding_id) as finding_id,
        lower(trim(r.status)) as status,
        nullif(trim(r.owner), '') as owner,
        nullif(trim(r.note), '') as note,
        r.reviewed_on,
        r._source_path,
        r._line_no
    from reviews r
    where nullif(trim(r.finding_id), '') is not null
        and r.reviewed_on is not null
),

known as (
    select c.*
    from cleaned c
    join statuses s on s.status = c.status
),

ordered as (
    select
        *,
        count(*) over (partition by finding_id) as n_reviews,
        min(reviewed_on) over (partition by finding_id) as first_reviewed_on,
        last_value(owner ignore nulls) over (
            partition by finding_id
            order by reviewed_on, _source_path, _line_no
            rows between unbounded preceding and unbounded following
        ) as current_owner
    from known
),

final as (
    select
        finding_id,
        status,
        current_owner as owner,
        note,
        reviewed_on,
        first_reviewed_on,
        n_reviews
    from ordered
    qualify row_number() over (
        partition by finding_id order by reviewed_on desc, _source_path desc, _line_no desc
    ) = 1
)

select * from final order by finding_id
