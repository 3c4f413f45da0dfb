{#-
    None of the columns holds NULL. One test per model instead of one `not_null` per column:
    each dbt test is a node, ~50 ms of every nightly build whatever the data, and 140 of them
    made up half of the build's nodes. A failure returns one row per column with NULLs, so
    the message still names the column.
-#}
{% test not_null_columns(model, column_names) %}
    {%- for column in column_names %}
    select '{{ column }}' as column_name, count(*) as null_rows
    from {{ model }}
    where {{ adapter.quote(column) }} is null
    having count(*) > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}
