{#- warehouse.md: schemas are exactly raw, audit, staging, marts. dbt would otherwise build
    "<target schema>_<custom schema>"; here a model's custom schema is used as it is.
    On PostgreSQL, marts are built into `marts_build` and published into `marts` in one transaction after the
    build (plugins/credit_feeds/publish.py), so a reader never sees a half-built month. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'postgres' and custom_schema_name | trim == 'marts' -%}
        marts_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
