{#- feeds.md: amounts are decimal 万元 with up to six decimals (a fine of 2000元 is 0.2).
    Text that is not a number is NULL (FINE_AMOUNT / CONFISCATION_AMOUNT reject such rows). -#}
{% macro parse_amount(column) -%}
    {{ return(adapter.dispatch('parse_amount')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_amount(column) -%}
    try_cast({{ clean_text(column) }} as decimal(18, 6))
{%- endmacro %}

{#- PostgreSQL has no try_cast: only a plain decimal number (the rules' own shape, expectations.amounts) whose
    whole part fits decimal(18, 6) — twelve digits after leading zeros — is cast; anything else is NULL.
    DuckDB also reads 1e3 and 1_000, which the rules reject, so accepted rows parse alike on both. -#}
{% macro postgres__parse_amount(column) -%}
    {%- set value = clean_text(column) -%}
    case when {{ value }} ~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$' then
        case when length(ltrim(split_part(ltrim({{ value }}, '+-'), '.', 1), '0')) <= 12
            then cast({{ value }} as decimal(18, 6))
        end
    end
{%- endmacro %}
