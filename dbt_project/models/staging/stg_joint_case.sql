-- One received 联合奖惩案例 (joint reward or punishment case) row, compliant or not: trimmed and typed, English
-- names. The field columns come from _feeds.yml (meta.source_field = field code, meta.parse = type).
with

source as (

    select * from {{ source('raw', 'joint_case') }}

),

renamed as (

    select
        -- lineage
        'joint-case' as feed,
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
