{#-
    The two-proportion z statistic of k1/n1 against k2/n2, with the pooled proportion
    p = (k1 + k2) / (n1 + n2):

        z = (k1/n1 - k2/n2) / sqrt(p (1 - p) (1/n1 + 1/n2))

    |z| > 1.96 is a difference significant at 95% (two-sided). NULL when either n is 0 or the
    pooled proportion is 0 or 1 (every crime recorded in both, or none: no evidence of change).
-#}
{% macro two_proportion_z(k1, n1, k2, n2) -%}
    {%- set pooled = '(cast(' ~ k1 ~ ' + ' ~ k2 ~ ' as double) / (' ~ n1 ~ ' + ' ~ n2 ~ '))' -%}
    case
        when {{ n1 }} > 0 and {{ n2 }} > 0 and {{ pooled }} > 0 and {{ pooled }} < 1
        then (cast({{ k1 }} as double) / {{ n1 }} - cast({{ k2 }} as double) / {{ n2 }})
            / sqrt({{ pooled }} * (1 - {{ pooled }}) * (1.0 / {{ n1 }} + 1.0 / {{ n2 }}))
    end
{%- endmacro %}
