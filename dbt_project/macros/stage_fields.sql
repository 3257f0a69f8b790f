{#- The field columns of a feed's staging model, driven by the model's YAML (models/staging/_feeds.yml): every
    column with config.meta.source_field is selected from that raw column under its English name, in YAML order,
    trimmed (clean_text) and, by meta.parse, typed:
      date      -> DATE (parse_date; a non-date is NULL, the DATE_FORMAT rule has rejected the row)
      amount    -> DECIMAL(18,6) 万元 (parse_amount)
      masked_id -> personal ID number masked (mask_personal_id, rules.md)
      (none)    -> text, any ID number inside it masked (mask_id_numbers, rules.md)
    So a field's English name and code are written once, beside their description; tests/test_dbt_models.py
    checks the list against plugins/credit_feeds/feeds.py (codes, order, kinds). -#}
{% macro stage_fields() -%}
    {%- set fields = [] -%}
    {%- for column in model.columns.values() -%}
        {%- set meta = (column.get('config') or {}).get('meta') or column.get('meta') or {} -%}
        {%- if meta.get('source_field') -%}
            {#- quoted: raw columns are named in capitals (XK_XKWS), and PostgreSQL folds unquoted names to lower case -#}
            {%- do fields.append((column.name, adapter.quote(meta['source_field']), meta.get('parse'))) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if execute and not fields -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": no column has config.meta.source_field in its YAML") }}
    {%- endif -%}
    {%- for name, code, parse in fields %}
        {% if parse == 'date' -%}
            {{ parse_date(code) }}
        {%- elif parse == 'amount' -%}
            {{ parse_amount(code) }}
        {%- elif parse == 'masked_id' -%}
            {{ mask_personal_id(code) }}
        {%- elif parse is none -%}
            {{ mask_id_numbers(clean_text(code)) }}
        {%- else -%}
            {{ exceptions.raise_compiler_error(model.name ~ "." ~ name ~ ": unknown meta.parse " ~ parse) }}
        {%- endif %} as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
