{#- rules.md: 证件号码 are masked everywhere outside raw, also when a unit typed one into a name, free text, a code
    field or an extra column. Every 18-character ID number inside the text (6 digits, a birth date 18xx–20xx,
    3 digits, a check character, not checked) is masked as mask_personal_id masks a whole value. Same pattern
    as identifiers.ID_NUMBER_IN_TEXT (tests/test_privacy.py checks they agree). -#}
{% macro mask_id_numbers(value) -%}
    {{ return(adapter.dispatch('mask_id_numbers')(value)) }}
{%- endmacro %}

{% macro duckdb__mask_id_numbers(value) -%}
    {%- set head = var('mask_head', 4) | int -%}
    {%- set tail = var('mask_tail', 4) | int -%}
    {%- set pattern = '[0-9]{6}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]' -%}
    case
        when {{ value }} is null or not regexp_matches({{ value }}, '{{ pattern }}') then {{ value }}
        else list_reduce(
            list_prepend({{ value }}, regexp_extract_all({{ value }}, '{{ pattern }}')),
            lambda masked, id_no: replace(
                masked, id_no,
                left(id_no, {{ head }}) || repeat('*', {{ 18 - head - tail }})
                    || {% if tail > 0 %}right(id_no, {{ tail }}){% else %}''{% endif %}
            )
        )
    end
{%- endmacro %}

{#- PostgreSQL has no lambdas: one regexp_replace over the text, non-overlapping from the left as DuckDB's
    regexp_extract_all and Python's re.sub scan it; the look-ahead checks the whole ID number, the groups keep
    its head and tail. -#}
{% macro postgres__mask_id_numbers(value) -%}
    {%- set head = var('mask_head', 4) | int -%}
    {%- set tail = var('mask_tail', 4) | int -%}
    {%- set pattern = '[0-9]{6}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]' -%}
    {%- set masked = '(?=' ~ pattern ~ ')(.{' ~ head ~ '}).{' ~ (18 - head - tail) ~ '}(.{' ~ tail ~ '})' %}
    regexp_replace({{ value }}, '{{ masked }}', '\1{{ '*' * (18 - head - tail) }}\2', 'g')
{%- endmacro %}
