-- One accepted administrative action (行政行为) of the five action feeds (行政强制 / 行政确认 / 行政裁决 /
-- 行政奖励 / 行政监督检查) or other-action (行政征收 / 行政给付 / 行政补偿): the latest accepted submission of
-- each record key (feed, doc_no, subject_code).
-- Incremental (macros/incremental_facts.sql): a build reads only the files the fact has not seen yet.
{{ incremental_fact_config() }}
{%- set action_feeds = var('action_types').keys() | list + ['other-action'] %}
{%- set columns = ['feed', 'action_type', 'doc_no', 'subject_name', 'subject_kind', 'subject_code',
                   'subject_id_masked', 'authority_name', 'authority_code', 'unit_code', 'decision_date',
                   'submitted_at', 'report_month', 'lag_workdays', 'is_timely', 'file_id', 'source_row',
                   'record_key'] %}
with

actions as (

    select * from (
        {% for feed in action_feeds -%}
        select * from {{ ref('stg_' ~ feed | replace('-', '_')) }}
        {% if not loop.last %}union all
        {% endif -%}
        {%- endfor %}
    ) as all_actions
    {{- only_unseen_files() }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('actions', ['report_month', 'lag_workdays', 'is_timely']) }}

),

incoming as (

    select
        feed,
        -- the five feeds are one 行为类别 each; other-action names its own (XZ_XWLB)
        case feed
            {%- for feed, action_type in var('action_types').items() %}
            when '{{ feed }}' then '{{ action_type }}'
            {%- endfor %}
            else action_category
        end as action_type,
        doc_no,
        subject_name,
        subject_kind,
        subject_code,
        subject_id_masked,
        authority_name,
        authority_code,
        unit_code,
        decision_date,
        submitted_at,
        report_month,
        lag_workdays,
        is_timely,
        file_id,
        source_row,
        {{ record_key(['feed', 'doc_no', 'subject_code']) }} as record_key

    from accepted

),

{{ keep_latest_submission(columns) }}

select * from final
