{#- Incremental facts (docs/architecture.md "Scale"). A fact keeps, per record key, the latest accepted submission
    (latest_submission_rank). A full build ranks every accepted row. An incremental build reads only the files
    the fact has not seen yet and ranks their accepted rows together with the rows the fact already keeps for the
    same keys: the latest of both is the latest of all, so the result equals a full build. The rows replace the
    fact's rows of those keys (delete+insert on record_key). -#}

{#- A NULL-safe digest of the record key: NULLs compare equal (a 自然人 without subject_code is still one record),
    and each value is written with its length, so no two different keys give the same text. -#}
{% macro record_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast(length(cast({{ column }} as varchar)) as varchar) || ':' || cast({{ column }} as varchar), '-')
        {%- if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- True when this build adds to the fact's table (dbt's is_incremental), never in a unit test: a unit test builds the
    model from its inputs alone, and has no table to add to. -#}
{% macro incremental_build() -%}
    {{ return(model.resource_type != 'unit_test' and is_incremental()) }}
{%- endmacro %}

{#- The config every incremental fact shares. A changed model (a column added or dropped) stops the build instead of
    leaving old rows without the column: rebuild with `dbt build --full-refresh`. -#}
{% macro incremental_fact_config() -%}
    {{ config(materialized='incremental', unique_key='record_key', incremental_strategy='delete+insert',
              on_schema_change='fail') }}
{%- endmacro %}

{#- On an incremental build: a filter keeping the rows of the files this fact has not seen — validated files (a file
    is read once its rows' rejections are known) none of whose rows the fact keeps. A file whose rows all lost to
    later submissions is read again, and loses again: harmless. -#}
{% macro only_unseen_files(file_id_column='file_id') -%}
    {#- ref outside the if, so that dbt records the dependency when parsing; not in a unit test, which builds
        the model from its inputs alone (never incrementally) -#}
    {%- if model.resource_type != 'unit_test' %}{% set files_model = ref('stg_files') %}{% endif %}
    {%- if incremental_build() %}
    where {{ file_id_column }} in (
        select files.file_id
        from {{ files_model }} as files
        where files.status = 'loaded'
            and files.rows_accepted is not null
            and not exists (select 1 from {{ this }} as kept where kept.file_id = files.file_id)
    )
    {%- endif %}
{%- endmacro %}

{#- CTEs `candidates` and `final` from the CTE `incoming` (the fact's columns and record_key, one row per accepted
    submission read): on an incremental build the rows the fact keeps for the same keys join the candidates; the
    latest submission of each key is kept. `columns`: the fact's columns in order, record_key last. -#}
{% macro keep_latest_submission(columns) -%}
candidates as (

    select {{ columns | join(', ') }} from incoming
    {%- if incremental_build() %}

    union all

    select {{ columns | join(', ') }} from {{ this }}
    where record_key in (select record_key from incoming)
    {%- endif %}

),

ranked as (

    select
        *,
        {{ latest_submission_rank(['record_key']) }} as submission_rank

    from candidates

),

final as (

    select {{ columns | join(', ') }}
    from ranked
    where submission_rank = 1

)
{%- endmacro %}
