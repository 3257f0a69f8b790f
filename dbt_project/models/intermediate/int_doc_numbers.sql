-- The document number (文书号) of every submitted license / penalty row, accepted or rejected (a rejected row was
-- still reported), split into prefix, year and serial for the suspected-concealment check (warehouse.md):
-- `<prefix>〔YYYY〕N号`, the year also in [] () （）— a matched pair: 〔2022) is not one of the forms —, digits
-- also full-width (０-９). A serial written 第N is N. The prefix is returned in one spelling (every bracket as 〔〕).
{#- a backslash is doubled in a Jinja string: the SQL gets
    ^([^\n]+?)[\t\n\f\r ]*(?:〔([0-9]{4})〕|\[([0-9]{4})\]|\(([0-9]{4})\)|（([0-9]{4})）)[\t\n\f\r ]*第?([0-9]{1,9})号$
    with the year in one of groups 2-5 (macros/regex.sql: written so that DuckDB's RE2 and PostgreSQL's regular
    expressions read it alike) -#}
{%- set doc_no_pattern = '^([^\\n]+?)[\\t\\n\\f\\r ]*(?:〔([0-9]{4})〕|\\[([0-9]{4})\\]|\\(([0-9]{4})\\)|（([0-9]{4})）)[\\t\\n\\f\\r ]*第?([0-9]{1,9})号$' %}
with

disclosures as (

    select * from {{ ref('int_disclosures_submitted') }}

),

-- full-width digits to 0-9 (brackets stay as sent: only a matched pair holds the year)
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
        translate(doc_no, '０１２３４５６７８９', '0123456789') as doc_no_normalised

    from disclosures

),

parsed as (

    select
        *,
        coalesce({{ regex_full_match('doc_no_normalised', doc_no_pattern) }}, false) as is_parsed

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
        case
            when is_parsed
                then translate({{ regex_group('doc_no_normalised', doc_no_pattern, 1) }}, '[]()（）', '〔〕〔〕〔〕')
        end as doc_prefix,
        case
            when is_parsed then cast(coalesce(
                {%- for group in (2, 3, 4, 5) %}
                nullif({{ regex_group('doc_no_normalised', doc_no_pattern, group) }}, ''){{ "," if not loop.last }}
                {%- endfor %}
            ) as integer)
        end as doc_year,
        case
            when is_parsed then cast({{ regex_group('doc_no_normalised', doc_no_pattern, 6) }} as integer)
        end as doc_serial

    from parsed

)

select * from final
