{#- feeds.md: amounts are decimal 万元 with up to six decimals (a fine of 2000元 is 0.2).
    Text that is not a number is NULL (FINE_AMOUNT / CONFISCATION_AMOUNT reject such rows). -#}
{% macro parse_amount(column) -%}
    try_cast({{ clean_text(column) }} as decimal(18, 6))
{%- endmacro %}
