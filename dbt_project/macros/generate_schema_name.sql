{#- warehouse.md: schemas are exactly raw, audit, staging, marts. dbt would otherwise build
    "<target schema>_<custom schema>"; here a model's custom schema is used as it is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
