{#- Incremental on (force_id, crime_id): see macros/incremental_versions.sql. -#}
{{ config(
    materialized=incremental_materialization(),
    meta={'published_as': 'view'},
    unique_key=['force_id', 'crime_id'],
    post_hook="{{ delete_rows_of_dead_loads(source('raw', 'crimes')) }}",
) }}

with

source as (

    {{ latest_versions(source('raw', 'crimes'), {'force_id': 'force_id', 'crime_id': 'trim(crime_id)'}) }}

),

renamed as (

    select
        force_id,
        trim(crime_id) as crime_id,
        nullif(trim(incident_id), '') as incident_id,
        {{ dbt.safe_cast('reported_at', dbt.type_timestamp()) }} as reported_at,
        {{ dbt.safe_cast('recorded_at', dbt.type_timestamp()) }} as recorded_at,
        {{ normalise_offence_code('offence_code') }} as offence_code,
        victim_name_hash,
        victim_dob_hash,
        victim_address_hash,
        {{ dbt.safe_cast('export_date', 'date') }} as export_date,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
