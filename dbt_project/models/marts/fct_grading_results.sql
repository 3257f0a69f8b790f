-- One accepted credit grading result (分级分类评价结果): the latest accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
-- Incremental (macros/incremental_facts.sql): a build reads only the files the fact has not seen yet.
{{ incremental_fact_config() }}
{%- set key_columns = ['subject_name', 'subject_code', 'domain', 'grade',
                       'grading_date', 'valid_until', 'grading_unit_name'] %}
{%- set columns = key_columns + ['unit_code', 'submitted_at', 'report_month', 'file_id', 'source_row',
                                 'record_key'] %}
with

gradings as (

    select * from {{ ref('stg_grading') }}
    {{- only_unseen_files() }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('gradings') }}

),

incoming as (

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
        source_row,
        {{ record_key(key_columns) }} as record_key

    from accepted

),

{{ keep_latest_submission(columns) }}

select * from final
