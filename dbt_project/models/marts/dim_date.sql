-- One calendar day with its working-day status and running working-day number (for the working-day lag).
with

calendar_days as (

    select * from {{ ref('stg_calendar_days') }}

),

numbered as (

    select
        "date",
        is_workday,
        holiday_name,
        source,
        -- workday_seq(b) − workday_seq(a) = working days d with a < d ≤ b (warehouse.md, working-day lag)
        sum(case when is_workday then 1 else 0 end) over (
            order by "date" rows between unbounded preceding and current row
        ) as workday_seq

    from calendar_days

),

final as (

    select * from numbered

)

select * from final
