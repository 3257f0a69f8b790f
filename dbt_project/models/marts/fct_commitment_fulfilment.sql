-- One accepted commitment fulfilment check (履约践诺): the latest accepted submission of each record.
-- The feed has no record key of its own (feeds.py key_fields is empty): the record key is the whole row of
-- field values, so exact repeats collapse (warehouse.md).
{%- set record_key = ['commitment_no', 'subject_code', 'result', 'check_date', 'checking_unit_name'] %}
with

fulfilments as (

    select * from {{ ref('stg_fulfilment') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

accepted as (

    {{ accepted_rows('fulfilments') }}

),

ranked as (

    select
        *,
        {{ latest_submission_rank(record_key) }} as submission_rank

    from accepted

),

final as (

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
        source_row

    from ranked
    where submission_rank = 1

)

select * from final
