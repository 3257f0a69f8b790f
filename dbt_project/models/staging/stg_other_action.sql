-- One received 其他行政行为 (other administrative action: levy, benefit or compensation) row, compliant or
-- not: trimmed and typed, English names. The field columns come from _feeds.yml (meta.source_field = field
-- code, meta.parse = type).
with

source as (

    select * from {{ source('raw', 'other_action') }}

),

renamed as (

    select
        -- lineage
        'other-action' as feed,
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
