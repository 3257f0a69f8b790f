-- Quality of the subject codes (统一社会信用代码) received in each report month: the 重错码率 of warehouse.md.
-- A code is received when any submitted row of the month carries it, accepted or rejected (a code that fails
-- the checksum is always in a rejected row). Left out: the 个体工商户 placeholder 00000000000000000X (it stands
-- for "no code"), rows of a 自然人 (a natural person has an ID number, never a USCC: a code there is a
-- SUBJECT_ID error) and rows rejected as MALFORMED_LINE (their cells cannot be trusted to be in their columns).
-- 错码: the code broke USCC_CHECKSUM in its subject code field (audit.rejections, the validator's finding).
-- 重码: a code that passes the checksum and was written with two or more different subject names.
-- Every feed with a subject code (feeds.py subject_code_field): its staging model, the field code the
-- rejections name, and whether the feed carries a subject name (subject_name_field) and a subject kind (XDR_LB).
{%- set code_sources = [
    ('stg_license', 'XK_XDR_SHXYM', true, true),
    ('stg_penalty', 'CF_XDR_SHXYM', true, true),
    ('stg_enforcement', 'XZ_XDR_SHXYM', true, true),
    ('stg_confirmation', 'XZ_XDR_SHXYM', true, true),
    ('stg_adjudication', 'XZ_XDR_SHXYM', true, true),
    ('stg_reward', 'XZ_XDR_SHXYM', true, true),
    ('stg_inspection', 'XZ_XDR_SHXYM', true, true),
    ('stg_other_action', 'XZ_XDR_SHXYM', true, true),
    ('stg_commitment', 'CN_SHXYM', true, false),
    ('stg_fulfilment', 'LY_SHXYM', false, false),
    ('stg_grading', 'PJ_SHXYM', true, false),
    ('stg_basic_info', 'JC_SHXYM', true, false),
    ('stg_joint_case', 'AL_SHXYM', true, false),
] %}
{%- set placeholder = '00000000000000000X' %}
with

{% for model_name, _, _, _ in code_sources -%}
{{ model_name }} as (

    select * from {{ ref(model_name) }}

),

{% endfor -%}

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

rejections as (

    select * from {{ ref('stg_rejections') }}

),

-- the month list every mart shares: months with received rows or files
overview as (

    select * from {{ ref('monthly_overview') }}

),

received_codes as (

    {% for model_name, code_field, has_name, has_kind in code_sources -%}
    select
        feed,
        file_id,
        source_row,
        subject_code,
        {{ 'subject_name' if has_name else 'cast(null as varchar)' }} as subject_name,
        {{ 'subject_kind' if has_kind else 'cast(null as varchar)' }} as subject_kind,
        '{{ code_field }}' as code_field

    from {{ model_name }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

malformed_rows as (

    select distinct feed, file_id, source_row
    from rejections
    where rule_id = 'MALFORMED_LINE'

),

-- one rejection per (row, rule): `field` lists every field of the row that broke USCC_CHECKSUM, comma-joined
checksum_rejections as (

    select feed, file_id, source_row, field
    from rejections
    where rule_id = 'USCC_CHECKSUM'

),

codes as (

    select
        submitted.report_month,
        received_codes.subject_code,
        received_codes.subject_name,
        checksum_rejections.file_id is not null as fails_checksum

    from received_codes
    inner join submitted
        on received_codes.feed = submitted.feed
        and received_codes.file_id = submitted.file_id
        and received_codes.source_row = submitted.source_row
    left join checksum_rejections
        on received_codes.feed = checksum_rejections.feed
        and received_codes.file_id = checksum_rejections.file_id
        and received_codes.source_row = checksum_rejections.source_row
        and ',' || checksum_rejections.field || ',' like '%,' || received_codes.code_field || ',%'
    left join malformed_rows
        on received_codes.feed = malformed_rows.feed
        and received_codes.file_id = malformed_rows.file_id
        and received_codes.source_row = malformed_rows.source_row
    where received_codes.subject_code is not null
        and received_codes.subject_code <> '{{ placeholder }}'
        and coalesce(received_codes.subject_kind, '') <> '自然人'
        and malformed_rows.file_id is null

),

per_code as (

    select
        report_month,
        subject_code,
        bool_or(fails_checksum) as fails_checksum,
        count(distinct subject_name) as subject_names

    from codes
    group by report_month, subject_code

),

counted as (

    select
        report_month,
        count(*) as codes_received,
        count(*) filter (where fails_checksum) as codes_failing_checksum,
        -- a code that fails the checksum is a 错码 whatever names it carries: never counted twice
        count(*) filter (where not fails_checksum and subject_names >= 2) as codes_duplicated

    from per_code
    group by report_month

),

final as (

    select
        overview.report_month,
        coalesce(counted.codes_received, 0) as codes_received,
        coalesce(counted.codes_failing_checksum, 0) as codes_failing_checksum,
        coalesce(counted.codes_duplicated, 0) as codes_duplicated,
        coalesce(counted.codes_failing_checksum + counted.codes_duplicated, 0) as codes_in_error,
        {{ safe_rate('counted.codes_failing_checksum', 'counted.codes_received') }} as checksum_error_rate,
        {{ safe_rate('counted.codes_duplicated', 'counted.codes_received') }} as duplicate_code_rate,
        {{ safe_rate('counted.codes_failing_checksum + counted.codes_duplicated', 'counted.codes_received') }}
            as uscc_error_rate

    from overview
    left join counted
        on overview.report_month = counted.report_month

)

select * from final
