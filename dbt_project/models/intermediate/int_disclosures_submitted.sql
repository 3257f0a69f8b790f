-- Every submitted 双公示 row (license + penalty), accepted or not, with its report month and working-day lag.
-- Shared by fct_disclosures (accepted rows) and unit_monthly_quality (all rows).
with

licenses as (

    select * from {{ ref('stg_license') }}

),

penalties as (

    select * from {{ ref('stg_penalty') }}

),

rejections as (

    select * from {{ ref('stg_rejections') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

-- license and penalty in one shape
submitted_rows as (

    select
        feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,
        doc_no,
        subject_name,
        subject_kind,
        subject_code,
        subject_id_masked,
        authority_name,
        authority_code,
        decision_date,
        cast(null as decimal(18, 6)) as fine_amount_wan,
        cast(null as decimal(18, 6)) as confiscation_amount_wan,
        cast(null as varchar) as penalty_kinds,
        licence_kind

    from licenses

    union all

    select
        feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,
        doc_no,
        subject_name,
        subject_kind,
        subject_code,
        subject_id_masked,
        authority_name,
        authority_code,
        decision_date,
        fine_amount_wan,
        confiscation_amount_wan,
        -- one separator for the kinds, whichever of ; ； , the unit used (feeds.md)
        regexp_replace(penalty_kinds, '\s*[;；,]\s*', ';', 'g') as penalty_kinds,
        cast(null as varchar) as licence_kind

    from penalties

),

-- a row is accepted iff no rule was broken by it (audit.rejections has one row per broken rule)
rejected_rows as (

    select distinct file_id, source_row, feed
    from rejections

),

with_acceptance as (

    select
        submitted_rows.*,
        rejected_rows.file_id is null as is_accepted,
        {{ report_month('submitted_rows.submitted_at') }} as report_month,
        cast(submitted_rows.submitted_at as date) as submission_date,
        {{ feed_deadline_workdays('submitted_rows.feed') }} as deadline_workdays

    from submitted_rows
    left join rejected_rows
        on submitted_rows.file_id = rejected_rows.file_id
        and submitted_rows.source_row = rejected_rows.source_row
        and submitted_rows.feed = rejected_rows.feed

),

with_lag as (

    select
        with_acceptance.*,
        -- the timeliness base: a valid decision date not after the submission (warehouse.md)
        coalesce(with_acceptance.decision_date <= with_acceptance.submission_date, false) as in_timeliness_base,
        case
            when with_acceptance.decision_date <= with_acceptance.submission_date
                then submission_day.workday_seq - decision_day.workday_seq
        end as lag_workdays

    from with_acceptance
    left join dates as decision_day
        on decision_day."date" = with_acceptance.decision_date
    left join dates as submission_day
        on submission_day."date" = with_acceptance.submission_date

),

final as (

    select
        feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,
        report_month,
        is_accepted,
        doc_no,
        subject_name,
        subject_kind,
        subject_code,
        subject_id_masked,
        authority_name,
        authority_code,
        decision_date,
        in_timeliness_base,
        lag_workdays,
        deadline_workdays,
        -- in the base but without a lag: decided before the calendar's first day, so certainly late
        case when in_timeliness_base then coalesce(lag_workdays <= deadline_workdays, false) end as is_timely,
        fine_amount_wan,
        confiscation_amount_wan,
        penalty_kinds,
        licence_kind

    from with_lag

)

select * from final
