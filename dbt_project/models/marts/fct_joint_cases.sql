-- One accepted joint reward or punishment case (联合奖惩案例): the latest accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
{%- set record_key = ['subject_name', 'subject_code', 'case_kind', 'list_type',
                       'measures', 'implementing_unit', 'implemented_on', 'effect'] %}
with

joint_cases as (

    select * from {{ ref('stg_joint_case') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('joint_cases') }}

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
        case_kind,
        list_type,
        measures,
        implementing_unit,
        implemented_on,
        effect,
        unit_code,
        submitted_at,
        report_month,
        file_id,
        source_row

    from ranked
    where submission_rank = 1

)

select * from final
