{#- Incremental on (force_id, crime_id, disposal_type): see macros/incremental_versions.sql. -#}
{{ config(
    materialized=incremental_materialization(),
    meta={'published_as': 'view'},
    unique_key=['force_id', 'crime_id', 'disposal_type'],
    post_hook="{{ delete_rows_of_dead_loads(source('raw', 'disposals')) }}",
) }}

with

source as (

    {{ latest_versions(
        source('raw', 'disposals'),
        {'force_id': 'force_id', 'crime_id': 'trim(crime_id)', 'disposal_type': 'upper(trim(disposal_type))'},
    ) }}

),

renamed as (

    select
        force_id,
        trim(crime_id) as crime_id,
        upper(trim(disposal_type)) as disposal_type,
        {{ dbt.safe_cast('issued_at', dbt.type_timestamp()) }} as issued_at,
        {{ dbt.safe_cast('export_date', 'date') }} as export_date,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
