{#-
    The current state of every landing file: its latest load (a file loaded again after a
    correction, or rejected after an earlier good version, is judged by its latest attempt),
    with what its path says (force, export date or audit).
-#}
{%- set audit_kinds = ['audit', 'incident_reviews', 'no_crime_reviews', 'disposal_reviews'] -%}
{%- set export_kinds = ['incidents', 'crimes', 'crime_decisions', 'disposals'] -%}

with

load_log as (

    select
        *,
        row_number() over (partition by file_path order by load_id desc) as attempt_recency
    from {{ source('ops', 'load_log') }}

),

latest as (

    select * from load_log where attempt_recency = 1

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
        finished_at as attempted_at

    from latest

)

select * from final
