{#- rules.md: leading/trailing white space and full-width spaces (U+3000) are trimmed before any rule;
    a value that is blank after trimming is NULL (empty). Nothing else is changed. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160) || chr(12288)), '')
{%- endmacro %}
