-- One calendar day of the official PRC working-day calendar (工作日历).
with

source as (

    select * from {{ source('raw', 'calendar_days') }}

),

renamed as (

    select
        "date",
        is_workday,
        {{ clean_text('holiday_name') }} as holiday_name,
        source

    from source

),

final as (

    select * from renamed

)

select * from final
