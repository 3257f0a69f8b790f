-- One accepted integrity publicity activity (诚信宣传活动, the bulletin's 附件3) with its unit's name: the latest
-- accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
{%- set record_key = ['media', 'title', 'url', 'activity_date'] %}
with

activities as (

    select * from {{ ref('stg_publicity') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

reporting_units as (

    select * from {{ ref('dim_reporting_unit') }}

),

accepted as (

    {{ accepted_rows('activities') }}

),

ranked as (

    select
        *,
        {{ latest_submission_rank(record_key) }} as submission_rank

    from accepted

),

final as (

    select
        ranked.unit_code,
        reporting_units.unit_name,
        ranked.media,
        ranked.title,
        ranked.url,
        ranked.activity_date,
        ranked.submitted_at,
        ranked.report_month,
        ranked.file_id,
        ranked.source_row

    from ranked
    left join reporting_units
        on ranked.unit_code = reporting_units.unit_code
    where ranked.submission_rank = 1

)

select * from final
