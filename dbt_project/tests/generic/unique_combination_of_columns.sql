{#- The columns together identify one row. NULLs compare equal here (a 自然人 has no subject_code, and
    the record key doc_no + NULL is still one record), unlike the built-in unique test. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
