{#-
    Seeds on Spark as SQL literals. dbt-spark's session connection binds every value by Python
    string formatting, so an empty CSV cell (None) was loaded as the text 'None' (incident_codes'
    offence_group: 'None' where DuckDB has NULL). Here NULL stays NULL; column types as
    dbt-spark's own macro takes them (column_types, else inferred).
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
            (
                {%- for value in row -%}
                {%- set column = agate_table.column_names[loop.index0] -%}
                {%- set type = column_override.get(column, adapter.convert_type(agate_table, loop.index0)) -%}
                cast({{ seed_literal(value) }} as {{ type }}){% if not loop.last %}, {% endif %}
                {%- endfor -%}
            ){% if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- One CSV value as a Spark SQL literal (text quoted, backslashes and quotes escaped). -#}
{% macro seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
