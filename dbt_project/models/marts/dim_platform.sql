-- One platform (平台/系统) connected to the city credit platform, with its owner's name and the month it was
-- connected (the bulletin's 八、平台对接情况).
with

platforms as (

    select * from {{ ref('stg_platforms') }}

),

reporting_units as (

    select * from {{ ref('dim_reporting_unit') }}

),

final as (

    select
        platforms.platform_code,
        platforms.platform_name,
        platforms.owner_unit_code,
        reporting_units.unit_name as owner_unit_name,
        platforms.connected_on,
        cast(date_trunc('month', platforms.connected_on) as date) as connected_month

    from platforms
    left join reporting_units
        on platforms.owner_unit_code = reporting_units.unit_code

)

select * from final
