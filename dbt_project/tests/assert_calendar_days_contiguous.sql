-- workday_seq differences count working days only if no day is missing between the calendar's first and
-- last day (the ingest writes raw.calendar_days as one contiguous range).
select
    min("date") as first_day,
    max("date") as last_day,
    count(*) as days_present
from {{ ref('dim_date') }}
having count(*) <> max("date") - min("date") + 1
