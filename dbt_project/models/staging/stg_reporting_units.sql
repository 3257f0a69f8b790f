-- One reporting unit (报送单位), from _reference/reporting_units.csv.
with

source as (

    select * from {{ source('raw', 'reporting_units') }}

),

renamed as (

    select
        {{ clean_text('unit_code') }} as unit_code,
        {{ clean_text('unit_name') }} as unit_name,
        {{ clean_text('unit_kind') }} as unit_kind,
        {{ clean_text('uscc') }} as uscc

    from source

),

final as (

    select * from renamed

)

select * from final
