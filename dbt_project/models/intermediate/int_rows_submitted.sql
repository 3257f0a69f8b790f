-- Every submitted row of every feed, accepted or not: its report month, acceptance and, for a feed with a
-- deadline, its working-day lag and timeliness. The one place these metrics are computed (warehouse.md);
-- unit_monthly_quality counts these rows, the facts keep the accepted ones.
-- A new feed is one more entry below: its staging model and the column holding its decision / event date.
{%- set event_date_of = {
    'stg_license': 'decision_date',
    'stg_penalty': 'decision_date',
    'stg_enforcement': 'decision_date',
    'stg_confirmation': 'decision_date',
    'stg_adjudication': 'decision_date',
    'stg_reward': 'decision_date',
    'stg_inspection': 'decision_date',
    'stg_other_action': 'decision_date',
    'stg_commitment': 'commitment_date',
    'stg_fulfilment': 'check_date',
    'stg_grading': 'grading_date',
    'stg_basic_info': 'established_on',
    'stg_joint_case': 'implemented_on',
    'stg_publicity': 'activity_date',
} %}
with

{% for model_name in event_date_of -%}
{{ model_name }} as (

    select * from {{ ref(model_name) }}

),

{% endfor -%}

rejections as (

    select * from {{ ref('stg_rejections') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

-- every feed in one shape: lineage and the decision / event date (feeds.py event_date)
submitted_rows as (

    {% for model_name, event_date in event_date_of.items() -%}
    select feed, file_id, source_row, unit_code, submitted_at, {{ event_date }} as event_date from {{ model_name }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

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

-- timeliness only for feeds with a deadline: the base is a valid decision date not after the submission
with_lag as (

    select
        with_acceptance.*,
        case
            when with_acceptance.deadline_workdays is not null
                then coalesce(with_acceptance.event_date <= with_acceptance.submission_date, false)
        end as in_timeliness_base,
        case
            when with_acceptance.deadline_workdays is not null
                and with_acceptance.event_date <= with_acceptance.submission_date
                then submission_day.workday_seq - decision_day.workday_seq
        end as lag_workdays

    from with_acceptance
    left join dates as decision_day
        on decision_day."date" = with_acceptance.event_date
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
        event_date,
        deadline_workdays,
        in_timeliness_base,
        lag_workdays,
        -- in the base but without a lag: decided before the calendar's first day, so certainly late
        case when in_timeliness_base then coalesce(lag_workdays <= deadline_workdays, false) end as is_timely

    from with_lag

)

select * from final
