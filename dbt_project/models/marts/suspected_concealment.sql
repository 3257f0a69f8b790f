-- Suspected concealment (疑似瞒报, warehouse.md): one row per document number missing from an issuing authority's
-- series. A series is the license / penalty numbers of one authority_code, prefix and year received so far, in
-- any month, accepted or rejected; every serial strictly between its smallest and largest received serial that
-- was never received is one row. Rows without an authority code belong to no series; numbers that do not
-- parse are counted in unparsed_doc_numbers.
with

doc_numbers as (

    select * from {{ ref('int_doc_numbers') }}
    where is_parsed and authority_code is not null

),

series as (

    select
        authority_code,
        doc_prefix,
        doc_year,
        min(doc_serial) as smallest_serial,
        max(doc_serial) as largest_serial,
        max(authority_name) as authority_name,
        -- the month of the run that found the gap: the latest report month among the series' rows
        max(report_month) as report_month

    from doc_numbers
    group by authority_code, doc_prefix, doc_year

),

-- each serial once (its first submission), with the next serial received in its series
received as (

    select
        *,
        row_number() over (
            partition by authority_code, doc_prefix, doc_year, doc_serial
            order by submitted_at, file_id, source_row
        ) as copy_no

    from doc_numbers

),

with_next as (

    select
        *,
        lead(doc_serial) over (
            partition by authority_code, doc_prefix, doc_year
            order by doc_serial
        ) as next_serial

    from received
    where copy_no = 1

),

-- the serials between a received serial and the next one; the gap is put to the unit and feed of the row
-- just below it, the stretch that unit was reporting
missing as (

    select
        with_next.authority_code,
        with_next.authority_name,
        with_next.unit_code,
        with_next.feed,
        with_next.doc_prefix,
        with_next.doc_year,
        gap.missing_serial

    from with_next
    cross join lateral generate_series(with_next.doc_serial + 1, with_next.next_serial - 1) as gap (missing_serial)
    where with_next.next_serial > with_next.doc_serial + 1

),

final as (

    select
        missing.authority_code,
        coalesce(missing.authority_name, series.authority_name) as authority_name,
        missing.unit_code,
        missing.feed,
        missing.doc_prefix,
        missing.doc_year,
        cast(missing.missing_serial as integer) as missing_serial,
        series.report_month,
        series.smallest_serial,
        series.largest_serial

    from missing
    inner join series
        on missing.authority_code = series.authority_code
        and missing.doc_prefix = series.doc_prefix
        and missing.doc_year = series.doc_year

)

select * from final
