{#-
    A boolean SQL expression holds on every row; failing rows are returned.
    A row where the expression is NULL (e.g. a rate over zero trials) passes.
-#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not ({{ expression }})

{% endtest %}
