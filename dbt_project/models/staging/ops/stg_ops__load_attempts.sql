{#-
    Every attempt to load a landing file (one row of ops.load_log each), with what its path
    says: the force, and the export date of a force export or the audit of an audit sheet.
    The one place the landing layout is read back from a stored path
    (<force>/<YYYY-MM-DD>/<kind>.csv, <force>/audits/<audit_id>/<kind>.xlsx).
-#}
{%- set audit_kinds = ['audit', 'incident_reviews', 'no_crime_reviews', 'disposal_reviews', 'audit_design'] -%}
{%- set export_kinds = ['incidents', 'crimes', 'crime_decisions', 'disposals'] -%}

with

load_log as (

    select * from {{ source('ops', 'load_log') }}

),

final as (

    select
        load_id,
        file_path,
        kind,
        case
            when kind in ('{{ audit_kinds | join("', '") }}') then 'audit'
            when kind in ('{{ export_kinds | join("', '") }}') then 'force_export'
            when kind = 'street' then 'published_data'
            else 'other'
        end as layout,
        {{ dbt.split_part('file_path', "'/'", 1) }} as force_id,
        case
            when kind in ('{{ export_kinds | join("', '") }}')
                then {{ dbt.safe_cast(dbt.split_part('file_path', "'/'", 2), 'date') }}
        end as export_date,
        case
            when kind in ('{{ audit_kinds | join("', '") }}')
                then {{ dbt.split_part('file_path', "'/'", 3) }}
        end as audit_id,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        message,
        run_id,
        started_at,
        finished_at

    from load_log

)

select * from final
