-- warehouse.md: a date the working-day calendar does not cover stops the run with a clear error instead of
-- guessing. Any row listed here was submitted on a day outside raw.calendar_days (the pipeline writes every day
-- chinesecalendar and the overrides cover, and refuses a report month outside them before dbt runs).
-- A decision date before the calendar's first day (2004) is no such case: it is certainly late, lag is NULL
-- and is_timely false.
select feed, file_id, source_row, unit_code, decision_date, submitted_at
from {{ ref('int_disclosures_submitted') }} as rows
where not exists (
    select 1 from {{ ref('dim_date') }} as d where d."date" = cast(rows.submitted_at as date)
)
