-- One received 行政奖励 (administrative reward) row, compliant or not: trimmed and typed, English
-- names. The field columns come from _feeds.yml (meta.source_field = field code, meta.parse = type).
with

source as (

    select * from {{ source('raw', 'reward') }}

),

renamed as (

    select
        -- lineage
        'reward' as feed,
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
