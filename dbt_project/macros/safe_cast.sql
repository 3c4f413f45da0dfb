{#- dbt.safe_cast is a plain CAST on dbt-duckdb (it raises on bad input): use try_cast, as Spark does. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
