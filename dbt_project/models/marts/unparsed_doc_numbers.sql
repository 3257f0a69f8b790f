-- Document numbers of submitted license / penalty rows that do not have the form `<prefix>〔YYYY〕N号`
-- (warehouse.md, suspected concealment): they cannot be placed in a series, so they are counted here, per issuing
-- authority, submitting unit and feed, over every month so far. An empty number is not counted (REQUIRED).
with

doc_numbers as (

    select * from {{ ref('int_doc_numbers') }}

),

final as (

    select
        authority_code,
        unit_code,
        feed,
        count(*) as "rows",
        max(report_month) as report_month

    from doc_numbers
    where doc_no is not null
        and not is_parsed
    group by authority_code, unit_code, feed

)

select * from final
