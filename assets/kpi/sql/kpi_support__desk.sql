-- kpi_support__desk: The service desk's volume, backlog, time to resolve, SLA compliance, first-contact resolution, reopens and reassignments.
-- grain: one row per month per requesting department (UNASSIGNED when unknown, and ALL for the company) per KPI code
-- schema: marts
--
-- Formulas (ITIL 4 incident management KPIs; docs/service_desk.md). A ticket counts in the department of the
-- person who raised it; cancelled tickets count in no measure. Months run from the first month with a ticket
-- to the last month of the window: a month without service-desk data has no rows.
--   support_tickets_opened          = tickets opened in the month
--   support_tickets_resolved        = tickets whose (last) resolution falls in the month
--   support_backlog                 = tickets opened by the month end and not resolved (nor closed) by then
--   support_backlog_age_days        = mean age in days at the month end of the backlog tickets
--   support_mttr_hours              = mean working hours (business clock) from opening to resolution of the
--                                     tickets resolved in the month; support_mttr_median_hours the median
--   support_sla_response_pct        = share of the tickets first worked in the month that met their response target
--   support_sla_resolution_pct      = share of the tickets resolved in the month that met their resolution target
--   support_first_contact_resolution_pct = share of the tickets resolved in the month with no reopen and no
--                                     reassignment
--   support_reopen_rate_pct         = share of the tickets resolved in the month that were reopened at least once
--   support_reassignment_rate_pct   = share of the tickets resolved in the month moved to another group at least once
with periods as (
    select * from core.dim_period
),

tickets as (
    select * from core.fct_ticket where current_state <> 'cancelled'
),

active_periods as (
    select p.period, p.period_end
    from periods p
    where p.period >= (select min(opened_period) from tickets)
),

tagged as (
    select *, coalesce(requester_department_id, 'UNASSIGNED') as department_id from tickets
),

opened as (
    -- every ticket has a department (UNASSIGNED when unknown), so a grouping set's row without one is the company's
    select opened_period as period, coalesce(department_id, 'ALL') as department_id, count(*) as n_opened
    from tagged
    group by grouping sets ((opened_period, department_id), (opened_period))
),

resolved as (
    select
        resolved_period as period,
        coalesce(department_id, 'ALL') as department_id,
        count(*) as n_resolved,
        avg(resolution_working_hours)::double as mttr_hours,
        median(resolution_working_hours)::double as mttr_median_hours,
        count(is_resolution_met) as n_resolution_measured,
        count(*) filter (where is_resolution_met) as n_resolution_met,
        count(*) filter (where is_first_contact_resolution) as n_first_contact,
        count(*) filter (where reopen_count > 0) as n_reopened,
        count(*) filter (where reassignment_count > 0) as n_reassigned
    from tagged where resolved_at is not null
    group by grouping sets ((resolved_period, department_id), (resolved_period))
),

responded as (
    select
        date_trunc('month', first_response_at)::date as period,
        coalesce(department_id, 'ALL') as department_id,
        count(is_response_met) as n_response_measured,
        count(*) filter (where is_response_met) as n_response_met
    from tagged where first_response_at is not null
    group by grouping sets ((date_trunc('month', first_response_at)::date, department_id),
                            (date_trunc('month', first_response_at)::date))
),

backlog as (
    select
        p.period,
        coalesce(t.department_id, 'ALL') as department_id,
        count(*) as n_backlog,
        -- whole seconds, summed exactly, so the mean does not depend on the order of a float sum
        sum(date_diff('second', t.opened_at, p.period_end + interval 1 day)) / count(*) / 86400.0 as backlog_age_days
    from active_periods p
    join tagged t on t.opened_at < p.period_end + interval 1 day
        and (t.resolved_at is null or t.resolved_at >= p.period_end + interval 1 day)
        -- a ticket closed without a resolution (a control finding) leaves the queue when it is closed
        and (t.closed_at is null or t.closed_at >= p.period_end + interval 1 day or t.resolved_at is not null)
    group by grouping sets ((p.period, t.department_id), (p.period))
),

departments as (
    select distinct department_id from tagged
    union all
    select 'ALL'
),

spine as (
    select p.period, d.department_id from active_periods p cross join departments d
),

measures as (
    -- nothing opened, resolved or in the backlog counts 0; a measure of no ticket stays null
    select
        s.*,
        coalesce(o.n_opened, 0) as n_opened,
        r.* exclude (period, department_id) replace (coalesce(r.n_resolved, 0) as n_resolved),
        x.* exclude (period, department_id),
        b.* exclude (period, department_id) replace (coalesce(b.n_backlog, 0) as n_backlog)
    from spine s
    left join opened o using (period, department_id)
    left join resolved r using (period, department_id)
    left join responded x using (period, department_id)
    left join backlog b using (period, department_id)
),

final as (
    select period, department_id, unnest([
        kpi_total_row('support_tickets_opened', n_opened),
        kpi_total_row('support_tickets_resolved', n_resolved),
        kpi_total_row('support_backlog', n_backlog),
        kpi_row('support_backlog_age_days', backlog_age_days, null, n_backlog),
        kpi_row('support_mttr_hours', mttr_hours, null, n_resolved),
        kpi_row('support_mttr_median_hours', mttr_median_hours, null, n_resolved),
        kpi_pct_row('support_sla_response_pct', n_response_met, n_response_measured),
        kpi_pct_row('support_sla_resolution_pct', n_resolution_met, n_resolution_measured),
        kpi_pct_row('support_first_contact_resolution_pct', n_first_contact, n_resolved),
        kpi_pct_row('support_reopen_rate_pct', n_reopened, n_resolved),
        kpi_pct_row('support_reassignment_rate_pct', n_reassigned, n_resolved)
    ], recursive := true)
    from measures
)

select * from final order by period, department_id, kpi_code
