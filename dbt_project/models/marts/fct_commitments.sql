-- One accepted credit commitment (信用承诺): the latest accepted submission of each 承诺书编号 (commitment_no).
-- Incremental (macros/incremental_facts.sql): a build reads only the files the fact has not seen yet.
{{ incremental_fact_config() }}
{%- set columns = ['commitment_no', 'commitment_type', 'subject_name', 'subject_code', 'matter', 'commitment_date',
                   'accepting_unit_name', 'accepting_unit_code', 'unit_code', 'submitted_at', 'report_month',
                   'file_id', 'source_row', 'record_key'] %}
with

commitments as (

    select * from {{ ref('stg_commitment') }}
    {{- only_unseen_files() }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('commitments') }}

),

incoming as (

    select
        commitment_no,
        -- feeds.md: the synonyms are accepted and stored under the first name
        case commitment_type
            {%- for synonym, canonical in var('commitment_type_synonyms').items() %}
            when '{{ synonym }}' then '{{ canonical }}'
            {%- endfor %}
            else commitment_type
        end as commitment_type,
        subject_name,
        subject_code,
        matter,
        commitment_date,
        accepting_unit_name,
        accepting_unit_code,
        unit_code,
        submitted_at,
        report_month,
        file_id,
        source_row,
        {{ record_key(['commitment_no']) }} as record_key

    from accepted

),

{{ keep_latest_submission(columns) }}

select * from final
