-- One report month with the headline figures of the bulletin: section 一 (双公示: license + penalty), every
-- feed's submitted and accepted rows (sections 二–七, 附件), platforms connected (八), suspected concealment (九)
-- and the month's files.
{%- set disclosure_feeds = ['license', 'penalty'] %}
{%- set other_feeds = var('feed_deadlines').keys() | reject('in', disclosure_feeds) | list %}
{%- set five_kinds = var('action_types').keys() | list %}
with

quality as (

    select * from {{ ref('unit_monthly_quality') }}

),

files as (

    select * from {{ ref('stg_files') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

concealment as (

    select * from {{ ref('suspected_concealment') }}

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

-- the other feeds: rows submitted and accepted (columns named after the feed's table: other-action -> other_action)
feed_totals as (

    select
        report_month,
        {%- for feed in other_feeds %}
        {%- set column = feed | replace('-', '_') %}
        cast(sum(case when feed = '{{ feed }}' then submitted else 0 end) as bigint) as {{ column }}_submitted,
        cast(sum(case when feed = '{{ feed }}' then accepted else 0 end) as bigint) as {{ column }}_accepted,
        {%- endfor %}
        -- 五类行政行为: 行政强制、行政确认、行政裁决、行政奖励、行政监督检查 (section 三)
        cast(sum(case when feed in ('{{ five_kinds | join("', '") }}') then submitted else 0 end) as bigint)
            as five_kinds_submitted,
        cast(sum(case when feed in ('{{ five_kinds | join("', '") }}') then accepted else 0 end) as bigint)
            as five_kinds_accepted

    from quality
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

concealment_totals as (

    select
        report_month,
        count(*) as suspected_concealment_rows

    from concealment
    group by report_month

),

report_months as (

    select report_month from feed_totals
    union
    select report_month from file_totals

),

-- platforms connected by the end of the month, and those connected within it
platform_totals as (

    select
        report_months.report_month,
        count(*) filter (where platforms.connected_month <= report_months.report_month) as platforms_connected,
        count(*) filter (where platforms.connected_month = report_months.report_month) as platforms_new

    from report_months
    cross join platforms
    group by report_months.report_month

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
        coalesce(file_totals.files_quarantined, 0) as files_quarantined,
        {%- for feed in other_feeds %}
        {%- set column = feed | replace('-', '_') %}
        coalesce(feed_totals.{{ column }}_submitted, 0) as {{ column }}_submitted,
        coalesce(feed_totals.{{ column }}_accepted, 0) as {{ column }}_accepted,
        {%- endfor %}
        coalesce(feed_totals.five_kinds_submitted, 0) as five_kinds_submitted,
        coalesce(feed_totals.five_kinds_accepted, 0) as five_kinds_accepted,
        coalesce(platform_totals.platforms_connected, 0) as platforms_connected,
        coalesce(platform_totals.platforms_new, 0) as platforms_new,
        coalesce(concealment_totals.suspected_concealment_rows, 0) as suspected_concealment_rows

    from report_months
    left join disclosure_totals
        on report_months.report_month = disclosure_totals.report_month
    left join feed_totals
        on report_months.report_month = feed_totals.report_month
    left join file_totals
        on report_months.report_month = file_totals.report_month
    left join platform_totals
        on report_months.report_month = platform_totals.report_month
    left join concealment_totals
        on report_months.report_month = concealment_totals.report_month

)

select * from final
