{#- warehouse.md: rates are DOUBLE fractions 0–1; a rate whose denominator is 0 is NULL, never 0 or 1. -#}
{% macro safe_rate(numerator, denominator) -%}
    case when {{ denominator }} > 0 then cast({{ numerator }} as double precision) / {{ denominator }} end
{%- endmacro %}
