-- fct_period_close: Ledger periods with a recorded close (lock file or closing journal) and the working days it took.
-- grain: one row per closed ledger period
-- schema: core
--
-- days_to_close = working days after the period end up to and including the close date (Monday to the
-- configured work week, public holidays from reference.holidays excluded); 0 when closed on the period end.
-- column: closed_on: The day the period was closed.
-- column: close_source: What records the close: lock_file or close_journal.
-- column: days_to_close: Working days after the period end up to and including the close date.
with lines as (
    select * from core.fct_gl_line
),

holidays as (
    select distinct holiday_date from reference.holidays where kind = 'public_holiday'
),

closes as (
    select distinct period, last_day(period) as period_end, period_closed_on as closed_on, close_source
    from lines
    where period_closed_on is not null
),

days_after as (
    select c.period, unnest(generate_series(c.period_end + 1, c.closed_on, interval 1 day))::date as day
    from closes c
    where c.closed_on > c.period_end
),

working_days as (
    select d.period, count(*) as n_working_days
    from days_after d
    left join holidays h on h.holiday_date = d.day
    where isodow(d.day) <= getvariable('work_week_days') and h.holiday_date is null
    group by d.period
),

final as (
    select c.period, c.period_end, c.closed_on, c.close_source, coalesce(w.n_working_days, 0) as days_to_close
    from closes c
    left join working_days w using (period)
)

select * from final order by period
