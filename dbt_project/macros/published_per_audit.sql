{#-
    Config of the accuracy marts (recording_accuracy, no_crime_accuracy, disposal_accuracy): they
    hold only audits whose figures may be published (int_audits_published), and are incremental
    per audit (delete+insert on audit_id), so a held-back audit (int_audit_statuses) keeps the
    rows last published for it until its files are fixed. A --full-refresh drops those rows.
-#}
{% macro published_per_audit() -%}
    {{ config(
        materialized=incremental_materialization(),
        unique_key='audit_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    ) }}
{%- endmacro %}
