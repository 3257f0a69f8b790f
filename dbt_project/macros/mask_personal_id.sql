{#- rules.md: 证件号码 of a 自然人 and of a 法定代表人 are masked everywhere outside raw: keep the first
    `mask_head` and last `mask_tail` characters (vars, default 4 and 4), stars between, e.g.
    4201**********1234. A value no longer than head + tail is all stars. Same as identifiers.mask(). -#}
{% macro mask_personal_id(column) -%}
    {%- set head = var('mask_head', 4) | int -%}
    {%- set tail = var('mask_tail', 4) | int -%}
    {%- set value = clean_text(column) -%}
    case
        when {{ value }} is null then null
        when length({{ value }}) <= {{ head + tail }} then repeat('*', length({{ value }}))
        else left({{ value }}, {{ head }})
            || repeat('*', length({{ value }}) - {{ head + tail }})
            || {% if tail > 0 %}right({{ value }}, {{ tail }}){% else %}''{% endif %}
    end
{%- endmacro %}
