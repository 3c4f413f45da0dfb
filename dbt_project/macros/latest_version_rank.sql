{#-
    Ranks the versions of one business key, 1 = the version that wins: the latest export_date,
    then the highest _load_id, then the highest _source_row (the later row of the same file).
    Audit sheets have no export_date: pass with_export_date=false.
-#}
{% macro latest_version_rank(key_columns, with_export_date=true) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            {% if with_export_date -%} export_date desc nulls last, {% endif -%}
            _load_id desc nulls last,
            _source_row desc nulls last
    )
{%- endmacro %}
