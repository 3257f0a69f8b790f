-- One accepted credit grading result (分级分类评价结果): the latest accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
{%- set record_key = ['subject_name', 'subject_code', 'domain', 'grade',
                       'grading_date', 'valid_until', 'grading_unit_name'] %}
with

gradings as (

    select * from {{ ref('stg_grading') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('gradings') }}

),

ranked as (

    select
        *,
        {{ latest_submission_rank(record_key) }} as submission_rank

    from accepted

),

final as (

    select
        subject_name,
        subject_code,
        domain,
        grade,
        grading_date,
        valid_until,
        grading_unit_name,
        unit_code,
        submitted_at,
        report_month,
        file_id,
        source_row

    from ranked
    where submission_rank = 1

)

select * from final
