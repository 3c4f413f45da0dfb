{#-
    A composite foreign key: every combination of `columns` (with no NULL in it) exists as the
    combination of `fields` in `to`. The columns pair with the fields in order. Returns the
    missing combinations.

    A set difference rather than a left join to the parent's distinct keys: measured on the
    national year, stg_raw__crimes -> stg_raw__incidents 5.2 s -> 1.4 s.
-#}
{% test relationships_combination(model, columns, to, fields) %}

    select {{ columns | join(', ') }}
    from {{ model }}
    where {% for column in columns -%}
        {{ column }} is not null{% if not loop.last %} and {% endif %}
    {%- endfor %}

    {{ dbt.except() }}

    select {{ fields | join(', ') }}
    from {{ to }}

{% endtest %}
