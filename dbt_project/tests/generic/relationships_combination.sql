{#-
    A composite foreign key: every combination of `columns` (with no NULL in it) exists as the
    combination of `fields` in `to`. The columns pair with the fields in order.
-#}
{% test relationships_combination(model, columns, to, fields) %}

    with

    child as (

        select distinct {{ columns | join(', ') }}
        from {{ model }}
        where {% for column in columns -%}
            {{ column }} is not null{% if not loop.last %} and {% endif %}
        {%- endfor %}

    ),

    parent as (

        select distinct {{ fields | join(', ') }}
        from {{ to }}

    )

    select child.*
    from child
    left join parent
        on {% for column in columns -%}
            child.{{ column }} = parent.{{ fields[loop.index0] }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
    where parent.{{ fields | first }} is null

{% endtest %}
