-- One reporting unit (报送单位): districts (区) and municipal departments (市直部门).
with

reporting_units as (

    select * from {{ ref('stg_reporting_units') }}

),

final as (

    select
        unit_code,
        unit_name,
        unit_kind,
        uscc

    from reporting_units

)

select * from final
