{#-
    dbt.listagg on Spark with what the DuckDB build relies on: dbt-spark's own ignores the
    order (warning "order_by_clause is not supported") and returns '' for a group with no
    value, where DuckDB's string_agg orders and returns NULL (int_audit_statuses: `reason` and
    `files` of a published audit are NULL). The order is one ascending expression
    ('order by <expr>', as every model here passes): the values are collected with it as
    (key, value) pairs, sorted, and the first limit_num joined.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set order = modules.re.fullmatch('\\s*order\\s+by\\s+([^,]+?)(\\s+asc)?\\s*', order_by_clause, modules.re.IGNORECASE) -%}
        {%- if order is none -%}
            {{ exceptions.raise_compiler_error("spark__listagg: only 'order by <one expression> [asc]' is supported, got '" ~ order_by_clause ~ "'") }}
        {%- endif -%}
        {%- set items = 'transform(array_sort(collect_list(named_struct(\'sort_key\', ' ~ order.group(1) ~ ', \'item\', ' ~ measure ~ '))), entry -> entry.item)' -%}
    {%- else -%}
        {%- set items = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set items = 'slice(' ~ items ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    case when size(filter({{ items }}, item -> item is not null)) > 0 then array_join({{ items }}, {{ delimiter_text }}) end
{%- endmacro %}
