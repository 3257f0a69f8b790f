-- One received 行政处罚 row, trimmed and typed; English names (mapping in _staging.yml, meta.source_field).
with

source as (

    select * from {{ source('raw', 'penalty') }}

),

renamed as (

    select
        -- lineage
        'penalty' as feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,

        -- subject (行政相对人)
        {{ stage_subject_block('CF_') }},

        -- penalty decision (行政处罚决定)
        {{ clean_text('CF_WSH') }} as doc_no,
        {{ clean_text('CF_WFXW') }} as offence_type,
        {{ clean_text('CF_SY') }} as offence_facts,
        {{ clean_text('CF_YJ') }} as legal_basis,
        {{ clean_text('CF_CFLB') }} as penalty_kinds,
        {{ clean_text('CF_NR') }} as content,
        {{ parse_amount('CF_NR_FK') }} as fine_amount_wan,
        {{ parse_amount('CF_NR_WFFF') }} as confiscation_amount_wan,
        {{ clean_text('CF_NR_ZKDX') }} as suspended_licence,
        {{ parse_date('CF_JDRQ') }} as decision_date,
        {{ parse_date('CF_YXQ') }} as penalty_valid_to,
        {{ parse_date('CF_GSJZQ') }} as publicity_end_date,
        {{ clean_text('CF_CFJG') }} as authority_name,
        {{ clean_text('CF_CFJGDM') }} as authority_code,
        {{ clean_text('CF_SJLY') }} as source_unit_name,
        {{ clean_text('CF_SJLYDM') }} as source_unit_code,
        {{ clean_text('BZ') }} as remarks,
        extra

    from source

),

final as (

    select * from renamed

)

select * from final
