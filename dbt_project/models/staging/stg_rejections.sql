-- One broken rule of one received row (打回明细).
with

source as (

    select * from {{ source('audit', 'rejections') }}

),

renamed as (

    select
        file_id,
        source_row,
        unit_code,
        feed,
        rule_id,
        field,
        value_masked,
        message_zh,
        batch_id

    from source

),

final as (

    select * from renamed

)

select * from final
