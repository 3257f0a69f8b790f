-- One accepted commitment fulfilment check (履约践诺): the latest accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
-- Incremental (macros/incremental_facts.sql): a build reads only the files the fact has not seen yet.
{{ incremental_fact_config() }}
{%- set key_columns = ['commitment_no', 'subject_code', 'result', 'check_date', 'checking_unit_name'] %}
{%- set columns = key_columns + ['unit_code', 'submitted_at', 'report_month', 'file_id', 'source_row',
                                 'record_key'] %}
with

fulfilments as (

    select * from {{ ref('stg_fulfilment') }}
    {{- only_unseen_files() }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('fulfilments') }}

),

incoming as (

    select
        commitment_no,
        subject_code,
        result,
        check_date,
        checking_unit_name,
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
