{#- Regular expressions on both engines: DuckDB's regexp_full_match / regexp_extract (RE2), PostgreSQL's ~ and
    regexp_match (ARE). Write patterns in the part both flavours read alike: [0-9] rather than \d, an explicit
    class such as [\t\n\f\r ] rather than \s, [^\n] rather than . (PostgreSQL's . also matches a line break).
    regex_group is only meaningful where the pattern matched (DuckDB gives '' otherwise, PostgreSQL NULL). -#}
{% macro regex_full_match(column, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(column, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_full_match(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_full_match(column, pattern) -%}
    ({{ column }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro regex_group(column, pattern, group) -%}
    {{ return(adapter.dispatch('regex_group')(column, pattern, group)) }}
{%- endmacro %}

{% macro duckdb__regex_group(column, pattern, group) -%}
    regexp_extract({{ column }}, '{{ pattern }}', {{ group }})
{%- endmacro %}

{% macro postgres__regex_group(column, pattern, group) -%}
    (regexp_match({{ column }}, '{{ pattern }}'))[{{ group }}]
{%- endmacro %}
