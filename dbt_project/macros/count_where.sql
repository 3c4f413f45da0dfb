{#- Number of rows where a condition holds (0, never NULL), as bigint on every engine. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}
