{#-
    On a table with per-group rows and a total row (group_column = total_value) per key, the
    group rows' measures add up to the total row's. Returns the total rows that disagree.
-#}
{% test group_rows_add_up_to_total(model, keys, group_column, measures, total_value='all') %}

    with

    group_sums as (

        select
            {{ keys | join(', ') }},
            {% for measure in measures -%}
            cast(sum({{ measure }}) as {{ dbt.type_bigint() }}) as {{ measure }}{% if not loop.last %},{% endif %}
            {% endfor %}
        from {{ model }}
        where {{ group_column }} <> '{{ total_value }}'
        group by {{ keys | join(', ') }}

    ),

    totals as (

        select *
        from {{ model }}
        where {{ group_column }} = '{{ total_value }}'

    )

    select totals.*
    from totals
    left join group_sums
        on {% for key in keys -%}
            totals.{{ key }} = group_sums.{{ key }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
    where {% for measure in measures -%}
        coalesce(group_sums.{{ measure }}, 0) <> totals.{{ measure }}{% if not loop.last %} or {% endif %}
    {%- endfor %}

{% endtest %}
