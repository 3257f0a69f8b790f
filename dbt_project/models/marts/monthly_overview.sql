-- One report month with the headline figures of the bulletin's section 一 (双公示) and the month's files.
{%- set disclosure_feeds = ['license', 'penalty'] %}
with

quality as (

    select * from {{ ref('unit_monthly_quality') }}

),

files as (

    select * from {{ ref('stg_files') }}

),

disclosure_quality as (

    select * from quality
    where feed in ('{{ disclosure_feeds | join("', '") }}')

),

disclosure_totals as (

    select
        report_month,
        cast(sum(submitted) as bigint) as disclosures_submitted,
        cast(sum(accepted) as bigint) as disclosures_accepted,
        cast(sum(timely) as bigint) as disclosures_timely,
        cast(sum(timeliness_base) as bigint) as disclosures_timeliness_base,
        count(distinct unit_code) as units_reporting,
        {%- for feed in disclosure_feeds %}
        coalesce(cast(sum(case when feed = '{{ feed }}' then submitted end) as bigint), 0) as {{ feed }}_submitted,
        coalesce(cast(sum(case when feed = '{{ feed }}' then accepted end) as bigint), 0) as {{ feed }}_accepted,
        coalesce(cast(sum(case when feed = '{{ feed }}' then timely end) as bigint), 0) as {{ feed }}_timely,
        coalesce(cast(sum(case when feed = '{{ feed }}' then timeliness_base end) as bigint), 0) as {{ feed }}_timeliness_base
        {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from disclosure_quality
    group by report_month

),

-- files by the month of their submission time; a quarantined file whose name carries no time counts in the
-- month it was received (received_at is UTC: +8 h gives Beijing time)
file_totals as (

    select
        {{ report_month("coalesce(submitted_at, received_at + interval '8 hours')") }} as report_month,
        count(*) as files_received,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'duplicate') as files_duplicate,
        count(*) filter (where status = 'quarantined') as files_quarantined

    from files
    group by 1

),

report_months as (

    select report_month from disclosure_totals
    union
    select report_month from file_totals

),

final as (

    select
        report_months.report_month,
        coalesce(disclosure_totals.disclosures_submitted, 0) as disclosures_submitted,
        coalesce(disclosure_totals.disclosures_accepted, 0) as disclosures_accepted,
        {{ safe_rate('disclosure_totals.disclosures_accepted', 'disclosure_totals.disclosures_submitted') }}
            as disclosures_compliance_rate,
        coalesce(disclosure_totals.disclosures_timely, 0) as disclosures_timely,
        coalesce(disclosure_totals.disclosures_timeliness_base, 0) as disclosures_timeliness_base,
        {{ safe_rate('disclosure_totals.disclosures_timely', 'disclosure_totals.disclosures_timeliness_base') }}
            as disclosures_timeliness_rate,
        {%- for feed in disclosure_feeds %}
        coalesce(disclosure_totals.{{ feed }}_submitted, 0) as {{ feed }}_submitted,
        coalesce(disclosure_totals.{{ feed }}_accepted, 0) as {{ feed }}_accepted,
        {{ safe_rate('disclosure_totals.' ~ feed ~ '_accepted', 'disclosure_totals.' ~ feed ~ '_submitted') }}
            as {{ feed }}_compliance_rate,
        coalesce(disclosure_totals.{{ feed }}_timely, 0) as {{ feed }}_timely,
        coalesce(disclosure_totals.{{ feed }}_timeliness_base, 0) as {{ feed }}_timeliness_base,
        {{ safe_rate('disclosure_totals.' ~ feed ~ '_timely', 'disclosure_totals.' ~ feed ~ '_timeliness_base') }}
            as {{ feed }}_timeliness_rate,
        {%- endfor %}
        coalesce(disclosure_totals.units_reporting, 0) as units_reporting,
        coalesce(file_totals.files_received, 0) as files_received,
        coalesce(file_totals.files_loaded, 0) as files_loaded,
        coalesce(file_totals.files_duplicate, 0) as files_duplicate,
        coalesce(file_totals.files_quarantined, 0) as files_quarantined

    from report_months
    left join disclosure_totals
        on report_months.report_month = disclosure_totals.report_month
    left join file_totals
        on report_months.report_month = file_totals.report_month

)

select * from final
