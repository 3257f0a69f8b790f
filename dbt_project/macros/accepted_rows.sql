{#- The accepted rows of a staged feed (rules.md: only compliant rows enter the facts), with the columns the
    facts take from int_rows_submitted (report_month by default). `staged` names the calling model's import CTE
    of the feed's staging model; the model also needs an import CTE `submitted` of int_rows_submitted. -#}
{% macro accepted_rows(staged, columns=['report_month']) -%}
    select
        {{ staged }}.*,
        {%- for column in columns %}
        submitted.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ staged }}
    inner join submitted
        on {{ staged }}.feed = submitted.feed
        and {{ staged }}.file_id = submitted.file_id
        and {{ staged }}.source_row = submitted.source_row
    where submitted.is_accepted
{%- endmacro %}
