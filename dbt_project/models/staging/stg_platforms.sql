-- One platform connected to the city credit platform (已对接平台), from _reference/platforms.csv.
with

source as (

    select * from {{ source('raw', 'platforms') }}

),

renamed as (

    select
        {{ clean_text('platform_code') }} as platform_code,
        {{ clean_text('platform_name') }} as platform_name,
        {{ clean_text('owner_unit_code') }} as owner_unit_code,
        connected_on

    from source

),

final as (

    select * from renamed

)

select * from final
