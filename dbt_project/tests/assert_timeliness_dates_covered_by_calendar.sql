-- warehouse.md: a date the working-day calendar does not cover stops the run with a clear error instead of
-- guessing. Any row listed here, of a feed with a deadline, was submitted on a day outside raw.calendar_days (the
-- pipeline writes every day chinesecalendar and the overrides cover, and refuses a report month outside them
-- before dbt runs). A decision date before the calendar's first day (2004) is no such case: it is certainly
-- late, lag is NULL and is_timely false. Feeds without a deadline need no calendar.
select feed, file_id, source_row, unit_code, event_date, submitted_at
from {{ ref('int_rows_submitted') }} as rows
where rows.deadline_workdays is not null
    and not exists (
        select 1 from {{ ref('dim_date') }} as d where d."date" = cast(rows.submitted_at as date)
    )
