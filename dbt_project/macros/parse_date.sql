{#- feeds.md: dates are written YYYY-MM-DD or YYYY/MM/DD. Anything else, or a day that does not exist
    (2022-02-30), is NULL here; the DATE_FORMAT rule has already rejected such rows. The shape check keeps
    strptime from accepting short forms such as 2022-6-3, which the rule rejects. Digits are written [0-9]:
    PostgreSQL's \d follows the database's locale (with ICU, full-width digits are digits too). -#}
{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_date(column) -%}
    case
        when regexp_full_match({{ clean_text(column) }}, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then cast(try_strptime({{ clean_text(column) }}, '%Y-%m-%d') as date)
        when regexp_full_match({{ clean_text(column) }}, '[0-9]{4}/[0-9]{2}/[0-9]{2}')
            then cast(try_strptime({{ clean_text(column) }}, '%Y/%m/%d') as date)
    end
{%- endmacro %}

{#- PostgreSQL has no try_strptime, and make_date raises on a day that does not exist: the month and day are
    checked first, in nested CASEs (PostgreSQL may evaluate the operands of AND in any order). Year 0000 is
    1 BC, as DuckDB reads it. -#}
{% macro postgres__parse_date(column) -%}
    {%- set value = clean_text(column) -%}
    {%- set y = "cast(substr(" ~ value ~ ", 1, 4) as integer)" -%}
    {%- set m = "cast(substr(" ~ value ~ ", 6, 2) as integer)" -%}
    {%- set d = "cast(substr(" ~ value ~ ", 9, 2) as integer)" -%}
    {%- set year = "case when " ~ y ~ " = 0 then -1 else " ~ y ~ " end" -%}
    case when {{ value }} ~ '^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}/[0-9]{2}/[0-9]{2})$' then
        case when {{ m }} between 1 and 12 then
            case when {{ d }} between 1 and
                    extract(day from make_date({{ year }}, {{ m }}, 1) + interval '1 month' - interval '1 day')
                then make_date({{ year }}, {{ m }}, {{ d }})
            end
        end
    end
{%- endmacro %}
