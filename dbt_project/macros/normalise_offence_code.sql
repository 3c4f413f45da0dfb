{#-
    Home Office offence codes as delivered ('08n ', '046', '4/1') to the form the offence_codes
    seed uses ('8N', '46', '4.1'): upper case, no spaces, leading zeros removed, a sub-class
    slash written as a dot; an empty code is NULL.
    The pattern is anchored, so regexp_replace's first-match (DuckDB) and all-matches (Spark)
    behaviours agree.
-#}
{% macro normalise_offence_code(code) -%}
    nullif(
        regexp_replace(
            replace(replace(upper({{ code }}), ' ', ''), '/', '.'),
            '^0+',
            ''
        ),
        ''
    )
{%- endmacro %}
