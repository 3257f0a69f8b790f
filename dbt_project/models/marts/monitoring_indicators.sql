-- The city's credit monitoring indicators (seeds 000 and 004) per report month: one row per measure of the
-- catalogue (seeds/monitoring_indicator_catalog.csv: names, units, and why a measure is unsupported). This
-- model only computes values; each value's source_model and rule are written from the same definitions below,
-- so the rule shown is the computation done. Every rule is restricted to the row's report_month.
--
-- Counts of records: accepted records in the facts (what the city platform holds: 归集), by report month.
--   code: (import CTE, aggregate over it — none means count(*) —, filter)
{%- set record_counts = {
    'collected_license': ('disclosures', none, "feed = 'license'"),
    'collected_penalty': ('disclosures', none, "feed = 'penalty'"),
    'collected_enforcement': ('admin_actions', none, "feed = 'enforcement'"),
    'collected_confirmation': ('admin_actions', none, "feed = 'confirmation'"),
    'collected_adjudication': ('admin_actions', none, "feed = 'adjudication'"),
    'collected_reward': ('admin_actions', none, "feed = 'reward'"),
    'collected_inspection': ('admin_actions', none, "feed = 'inspection'"),
    'collected_levy': ('admin_actions', none, "feed = 'other-action' and action_type = '行政征收'"),
    'collected_benefit': ('admin_actions', none, "feed = 'other-action' and action_type = '行政给付'"),
    'collected_compensation': ('admin_actions', none, "feed = 'other-action' and action_type = '行政补偿'"),
    'collected_commitment': ('commitments', none, none),
    'collected_fulfilment': ('fulfilments', none, none),
    'collected_grading': ('gradings', none, none),
    'collected_basic_info': ('basic_info', none, none),
    'collected_joint_case': ('joint_cases', none, none),
    'commitments_total': ('commitments', none, none),
    'commitments_proactive': ('commitments', none, "commitment_type = '主动承诺型'"),
    'commitments_self_discipline': ('commitments', none, "commitment_type = '行业自律型'"),
    'commitments_approval_substitute': ('commitments', none, "commitment_type = '审批替代型'"),
    'commitments_incomplete_acceptance': ('commitments', none, "commitment_type = '容缺受理型'"),
    'commitments_repair': ('commitments', none, "commitment_type = '失信修复型'"),
    'commitments_certification': ('commitments', none, "commitment_type = '证明事项型'"),
    'commitments_other': ('commitments', none, "commitment_type = '其他'"),
    'fulfilment_total': ('fulfilments', none, none),
    'fulfilment_kept': ('fulfilments', none, "result = '已履约'"),
    'fulfilment_partial': ('fulfilments', none, "result = '部分履约'"),
    'fulfilment_broken': ('fulfilments', none, "result = '未履约'"),
    'grading_results_total': ('gradings', none, none),
    'grading_grade_a': ('gradings', none, "grade = 'A'"),
    'grading_grade_b': ('gradings', none, "grade = 'B'"),
    'grading_grade_c': ('gradings', none, "grade = 'C'"),
    'grading_grade_d': ('gradings', none, "grade = 'D'"),
    'grading_domains': ('gradings', 'count(distinct domain)', none),
    'grading_units': ('gradings', 'count(distinct unit_code)', none),
    'joint_cases_total': ('joint_cases', none, none),
    'joint_cases_reward': ('joint_cases', none, "case_kind = '守信激励'"),
    'joint_cases_punishment': ('joint_cases', none, "case_kind = '失信惩戒'"),
    'publicity_activities': ('publicity', none, none),
    'disclosure_suspected_concealment': ('concealment', none, none),
    'prohibited_matter_rows': ('rejected_rows', none, "rule_id = 'PROHIBITED_MATTER'"),
} %}
-- Rates and other figures of one row per month: code: (import CTE, expression over it). A rate is NULL when its
-- denominator is 0 (nullif), as safe_rate() makes it.
{%- set monthly_figures = {
    'disclosure_compliance_rate': ('overview', 'disclosures_compliance_rate'),
    'license_compliance_rate': ('overview', 'license_compliance_rate'),
    'penalty_compliance_rate': ('overview', 'penalty_compliance_rate'),
    'disclosure_timeliness_rate': ('overview', 'disclosures_timeliness_rate'),
    'disclosure_late_rows': ('overview', 'disclosures_timeliness_base - disclosures_timely'),
    'disclosure_rejected_rows': ('overview', 'disclosures_submitted - disclosures_accepted'),
    'enforcement_compliance_rate':
        ('overview', 'cast(enforcement_accepted as double precision) / nullif(enforcement_submitted, 0)'),
    'reward_compliance_rate':
        ('overview', 'cast(reward_accepted as double precision) / nullif(reward_submitted, 0)'),
    'confirmation_compliance_rate':
        ('overview', 'cast(confirmation_accepted as double precision) / nullif(confirmation_submitted, 0)'),
    'adjudication_compliance_rate':
        ('overview', 'cast(adjudication_accepted as double precision) / nullif(adjudication_submitted, 0)'),
    'uscc_error_codes': ('uscc', 'codes_in_error'),
    'uscc_error_rate': ('uscc', 'uscc_error_rate'),
} %}
-- The model each import CTE reads (named in source_model and rule).
{%- set model_of = {
    'disclosures': 'fct_disclosures',
    'admin_actions': 'fct_admin_actions',
    'commitments': 'fct_commitments',
    'fulfilments': 'fct_commitment_fulfilment',
    'gradings': 'fct_grading_results',
    'basic_info': 'fct_basic_info',
    'joint_cases': 'fct_joint_cases',
    'publicity': 'fct_publicity_activities',
    'concealment': 'suspected_concealment',
    'rejected_rows': 'stg_rejections',
    'overview': 'monthly_overview',
    'uscc': 'uscc_quality',
} %}
{%- set collected_feeds = ['license', 'penalty', 'enforcement', 'confirmation', 'adjudication', 'reward',
                           'inspection', 'levy', 'benefit', 'compensation', 'commitment', 'fulfilment', 'grading',
                           'basic_info', 'joint_case'] %}
with

catalogue as (

    select * from {{ ref('monitoring_indicator_catalog') }}

),

{% for cte, model_name in model_of.items() if cte != 'rejected_rows' -%}
{{ cte }} as (

    select * from {{ ref(model_name) }}

),

{% endfor -%}

rejections as (

    select * from {{ ref('stg_rejections') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

-- every rejection with the report month of its row
rejected_rows as (

    select
        rejections.*,
        submitted.report_month

    from rejections
    inner join submitted
        on rejections.feed = submitted.feed
        and rejections.file_id = submitted.file_id
        and rejections.source_row = submitted.source_row

),

months as (

    select report_month from overview

),

counted as (

    {% for code, (cte, aggregate, condition) in record_counts.items() -%}
    {%- set rule = (aggregate or 'count(*)') ~ ' from ' ~ model_of[cte] ~ (' where ' ~ condition if condition else '') -%}
    select
        months.report_month,
        '{{ code }}' as indicator_code,
        cast(coalesce(by_month.value, 0) as double precision) as value,
        '{{ model_of[cte] }}' as source_model,
        '{{ rule | replace("'", "''") }}' as rule

    from months
    left join (
        select report_month, {{ aggregate or 'count(*)' }} as value
        from {{ cte }}
        {%- if condition %}
        where {{ condition }}
        {%- endif %}
        group by report_month
    ) as by_month
        on by_month.report_month = months.report_month
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

-- 信用信息归集数量 合计: the sum of the categories
collected_total as (

    select
        report_month,
        'collected_total' as indicator_code,
        sum(value) as value,
        'monitoring_indicators' as source_model,
        'sum of the values of collected_{{ collected_feeds | join(", collected_") }}' as rule

    from counted
    where indicator_code in ('collected_{{ collected_feeds | join("', 'collected_") }}')
    group by report_month

),

figures as (

    {% for code, (cte, expression) in monthly_figures.items() -%}
    select
        report_month,
        '{{ code }}' as indicator_code,
        cast({{ expression }} as double precision) as value,
        '{{ model_of[cte] }}' as source_model,
        '{{ (expression ~ " from " ~ model_of[cte]) | replace("'", "''") }}' as rule

    from {{ cte }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

computed as (

    select * from counted
    union all
    select * from collected_total
    union all
    select * from figures

),

final as (

    select
        months.report_month,
        catalogue.seed,
        catalogue.seed_item,
        catalogue.display_order,
        catalogue.indicator_code,
        catalogue.indicator_name,
        catalogue.measure,
        case when catalogue.is_supported then computed.value end as value,
        catalogue.unit,
        catalogue.is_supported,
        case when catalogue.is_supported then computed.source_model end as source_model,
        case when catalogue.is_supported then computed.rule end as rule,
        case when not catalogue.is_supported then catalogue.reason end as reason

    from months
    cross join catalogue
    left join computed
        on computed.report_month = months.report_month
        and computed.indicator_code = catalogue.indicator_code

)

select * from final
