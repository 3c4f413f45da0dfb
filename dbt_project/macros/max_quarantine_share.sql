{#-
    The share of its rows a force export may lose to quarantine before the audits matched
    against it are held back (int_audit_statuses): more is a change of shape, not bad rows.
    CDI_MAX_QUARANTINE_SHARE, default 0.01 (orchestration/settings.py exports it for dbt).
-#}
{% macro max_quarantine_share() -%}
    {%- set value = env_var('CDI_MAX_QUARANTINE_SHARE', '0.01') -%}
    {%- if not modules.re.fullmatch('(0([.][0-9]+)?|1([.]0+)?)', value) -%}
        {{ exceptions.raise_compiler_error("CDI_MAX_QUARANTINE_SHARE must be a share between 0 and 1, e.g. 0.01; got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return('cast(' ~ value ~ ' as double)') }}
{%- endmacro %}
