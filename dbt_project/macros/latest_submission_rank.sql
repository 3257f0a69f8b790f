{#- warehouse.md: a later accepted row with the same record key (a resubmission or correction) replaces the
    earlier one in the facts: latest submitted_at, then file_id, then source_row. Rank 1 is the row kept.
    NULLs in the key compare equal here (a 自然人 without subject_code is still one record). -#}
{% macro latest_submission_rank(record_key) -%}
    row_number() over (
        partition by {{ record_key | join(', ') }}
        order by submitted_at desc, file_id desc, source_row desc
    )
{%- endmacro %}
