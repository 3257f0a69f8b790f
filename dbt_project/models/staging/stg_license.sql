-- One received 行政许可 row, trimmed and typed; English names (mapping in _staging.yml, meta.source_field).
with

source as (

    select * from {{ source('raw', 'license') }}

),

renamed as (

    select
        -- lineage
        'license' as feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,

        -- subject (行政相对人)
        {{ stage_subject_block('XK_') }},

        -- licence decision (行政许可决定)
        {{ clean_text('XK_XKWS') }} as doc_name,
        {{ clean_text('XK_WSH') }} as doc_no,
        {{ clean_text('XK_XKLB') }} as licence_kind,
        {{ clean_text('XK_XKZS') }} as certificate_name,
        {{ clean_text('XK_XKBH') }} as licence_no,
        {{ clean_text('XK_NR') }} as content,
        {{ parse_date('XK_JDRQ') }} as decision_date,
        {{ parse_date('XK_YXQZ') }} as valid_from,
        {{ parse_date('XK_YXQZI') }} as valid_to,
        {{ clean_text('XK_XKJG') }} as authority_name,
        {{ clean_text('XK_XKJGDM') }} as authority_code,
        {{ clean_text('XK_ZT') }} as status_code,
        {{ clean_text('XK_LYDW') }} as source_unit_name,
        {{ clean_text('XK_LYDWDM') }} as source_unit_code,
        {{ clean_text('BZ') }} as remarks,
        extra

    from source

),

final as (

    select * from renamed

)

select * from final
