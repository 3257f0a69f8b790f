-- One received file (接收文件) and what became of it.
with

source as (

    select * from {{ source('audit', 'files') }}

),

renamed as (

    select
        file_id,
        path,
        sha256,
        size_bytes,
        unit_code,
        feed,
        platform_code,
        file_format,
        encoding,
        header_style,
        submitted_at,
        received_at,
        status,
        reason,
        duplicate_of,
        rows_total,
        rows_accepted,
        rows_rejected

    from source

),

final as (

    select * from renamed

)

select * from final
