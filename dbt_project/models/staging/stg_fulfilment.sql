-- One received 履约践诺 (commitment fulfilment check) row, compliant or not: trimmed and typed, English
-- names. The field columns come from _feeds.yml (meta.source_field = field code, meta.parse = type).
with

source as (

    select * from {{ source('raw', 'fulfilment') }}

),

renamed as (

    select
        -- lineage
        'fulfilment' as feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,

        -- the feed's fields (feeds.md), in the order of plugins/credit_feeds/feeds.py
        {{ stage_fields() }},

        {{ mask_id_numbers('extra') }} as extra

    from source

),

final as (

    select * from renamed

)

select * from final
