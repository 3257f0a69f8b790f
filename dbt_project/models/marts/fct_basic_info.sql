-- One accepted basic-information record of a subject (基础信息): the latest accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
{%- set record_key = ['subject_name', 'subject_code', 'legal_rep_name', 'established_on',
                       'registered_capital_wan', 'address', 'registration_authority'] %}
with

basic_info as (

    select * from {{ ref('stg_basic_info') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('basic_info') }}

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
        legal_rep_name,
        established_on,
        registered_capital_wan,
        address,
        registration_authority,
        unit_code,
        submitted_at,
        report_month,
        file_id,
        source_row

    from ranked
    where submission_rank = 1

)

select * from final
