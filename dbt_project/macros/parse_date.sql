{#- feeds.md: dates are written YYYY-MM-DD or YYYY/MM/DD. Anything else, or a day that does not exist
    (2022-02-30), is NULL here; the DATE_FORMAT rule has already rejected such rows. The shape check keeps
    strptime from accepting short forms such as 2022-6-3, which the rule rejects. -#}
{% macro parse_date(column) -%}
    case
        when regexp_full_match({{ clean_text(column) }}, '\d{4}-\d{2}-\d{2}')
            then cast(try_strptime({{ clean_text(column) }}, '%Y-%m-%d') as date)
        when regexp_full_match({{ clean_text(column) }}, '\d{4}/\d{2}/\d{2}')
            then cast(try_strptime({{ clean_text(column) }}, '%Y/%m/%d') as date)
    end
{%- endmacro %}
