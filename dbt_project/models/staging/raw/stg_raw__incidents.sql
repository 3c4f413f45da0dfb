{#- Incremental on (force_id, incident_id): see macros/incremental_versions.sql. -#}
{{ config(
    materialized=incremental_materialization(),
    meta={'published_as': 'view'},
    unique_key=['force_id', 'incident_id'],
    post_hook="{{ delete_rows_of_dead_loads(source('raw', 'incidents')) }}",
) }}

with

source as (

    {{ latest_versions(source('raw', 'incidents'), {'force_id': 'force_id', 'incident_id': 'trim(incident_id)'}) }}

),

renamed as (

    select
        force_id,
        trim(incident_id) as incident_id,
        {{ dbt.safe_cast('received_at', dbt.type_timestamp()) }} as received_at,
        lower(trim(channel)) as channel,
        trim(opening_code) as opening_code,
        trim(closing_code) as closing_code,
        caller_name_hash,
        caller_dob_hash,
        caller_address_hash,
        summary,
        {{ dbt.safe_cast('export_date', 'date') }} as export_date,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
