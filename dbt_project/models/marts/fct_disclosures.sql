-- One accepted 双公示 record (license or penalty): the latest accepted submission of each record key.
-- warehouse.md: a later accepted row with the same record key (feed, doc_no, subject_code) — a resubmission
-- or correction — replaces the earlier one; both stay in raw and audit. A NULL subject_code (自然人) is one key.
-- Incremental (macros/incremental_facts.sql): a build reads only the files the fact has not seen yet.
{{ incremental_fact_config() }}
{%- set columns = ['feed', 'doc_no', 'subject_name', 'subject_kind', 'subject_code', 'subject_id_masked',
                   'authority_name', 'authority_code', 'unit_code', 'decision_date', 'submitted_at', 'report_month',
                   'lag_workdays', 'is_timely', 'fine_amount_wan', 'confiscation_amount_wan', 'penalty_kinds',
                   'licence_kind', 'file_id', 'source_row', 'record_key'] %}
with

disclosures as (

    select * from {{ ref('int_disclosures_submitted') }}
    {{- only_unseen_files() }}

),

accepted as (

    select * from disclosures
    where is_accepted

),

incoming as (

    select
        feed,
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
        fine_amount_wan,
        confiscation_amount_wan,
        penalty_kinds,
        licence_kind,
        file_id,
        source_row,
        {{ record_key(['feed', 'doc_no', 'subject_code']) }} as record_key

    from accepted

),

{{ keep_latest_submission(columns) }}

select * from final
