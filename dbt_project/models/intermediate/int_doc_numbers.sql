-- The document number (文书号) of every submitted license / penalty row, accepted or rejected (a rejected row was
-- still reported), split into prefix, year and serial for the suspected-concealment check (warehouse.md):
-- `<prefix>〔YYYY〕N号`, the year also in [] () （）, digits also full-width (０-９). A serial written 第N is N.
{#- a backslash is doubled in a Jinja string: the SQL gets ^(.+?)\s*〔(\d{4})〕\s*第?(\d{1,9})号$ -#}
{%- set doc_no_pattern = '^(.+?)\\s*〔(\\d{4})〕\\s*第?(\\d{1,9})号$' %}
with

disclosures as (

    select * from {{ ref('int_disclosures_submitted') }}

),

-- one spelling: full-width digits to 0-9, every accepted bracket pair to 〔〕
normalised as (

    select
        feed,
        file_id,
        source_row,
        unit_code,
        submitted_at,
        report_month,
        is_accepted,
        authority_code,
        authority_name,
        doc_no,
        translate(doc_no, '０１２３４５６７８９[]()（）', '0123456789〔〕〔〕〔〕') as doc_no_normalised

    from disclosures

),

parsed as (

    select
        *,
        coalesce(regexp_full_match(doc_no_normalised, '{{ doc_no_pattern }}'), false) as is_parsed

    from normalised

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
        authority_code,
        authority_name,
        doc_no,
        is_parsed,
        case when is_parsed then regexp_extract(doc_no_normalised, '{{ doc_no_pattern }}', 1) end as doc_prefix,
        case
            when is_parsed then cast(regexp_extract(doc_no_normalised, '{{ doc_no_pattern }}', 2) as integer)
        end as doc_year,
        case
            when is_parsed then cast(regexp_extract(doc_no_normalised, '{{ doc_no_pattern }}', 3) as integer)
        end as doc_serial

    from parsed

)

select * from final
