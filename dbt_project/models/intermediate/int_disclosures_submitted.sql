-- Every submitted 双公示 row (license + penalty), accepted or not, with the details of the decision and the
-- metrics of int_rows_submitted (report month, acceptance, working-day lag). Shared by fct_disclosures
-- (accepted rows) and the document-number checks (int_doc_numbers: every row, rejected ones included).
with

licenses as (

    select * from {{ ref('stg_license') }}

),

penalties as (

    select * from {{ ref('stg_penalty') }}

),

submitted as (

    select * from {{ ref('int_rows_submitted') }}
    where feed in ('license', 'penalty')

),

-- license and penalty in one shape
disclosures as (

    select
        feed,
        file_id,
        source_row,
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
        -- one separator for the kinds, whichever of ; ； , the unit used (feeds.md); white space written out, not \s,
        -- so DuckDB and PostgreSQL read it alike (macros/regex.sql)
        regexp_replace(penalty_kinds, '[\t\n\f\r ]*[;；,][\t\n\f\r ]*', ';', 'g') as penalty_kinds,
        cast(null as varchar) as licence_kind

    from penalties

),

final as (

    select
        submitted.feed,
        submitted.file_id,
        submitted.source_row,
        submitted.unit_code,
        submitted.submitted_at,
        submitted.report_month,
        submitted.is_accepted,
        disclosures.doc_no,
        disclosures.subject_name,
        disclosures.subject_kind,
        disclosures.subject_code,
        disclosures.subject_id_masked,
        disclosures.authority_name,
        disclosures.authority_code,
        disclosures.decision_date,
        submitted.in_timeliness_base,
        submitted.lag_workdays,
        submitted.deadline_workdays,
        submitted.is_timely,
        disclosures.fine_amount_wan,
        disclosures.confiscation_amount_wan,
        disclosures.penalty_kinds,
        disclosures.licence_kind

    from disclosures
    inner join submitted
        on disclosures.feed = submitted.feed
        and disclosures.file_id = submitted.file_id
        and disclosures.source_row = submitted.source_row

)

select * from final
