{#- warehouse.md: the report month of a row is the calendar month (Beijing time) of its submission time.
    submitted_at is stored as Beijing local time, so the month is its first day. The same SQL on DuckDB and
    PostgreSQL (date_trunc of a TIMESTAMP, cast to DATE). -#}
{% macro report_month(timestamp_column) -%}
    cast(date_trunc('month', {{ timestamp_column }}) as date)
{%- endmacro %}
