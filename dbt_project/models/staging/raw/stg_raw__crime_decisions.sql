{#- Incremental on (force_id, crime_id, decision): see macros/incremental_versions.sql. -#}
{{ config(
    materialized=incremental_materialization(),
    meta={'published_as': 'view'},
    unique_key=['force_id', 'crime_id', 'decision'],
    post_hook="{{ delete_rows_of_dead_loads(source('raw', 'crime_decisions')) }}",
) }}

with

source as (

    {{ latest_versions(
        source('raw', 'crime_decisions'),
        {'force_id': 'force_id', 'crime_id': 'trim(crime_id)', 'decision': 'upper(trim(decision))'},
    ) }}

),

renamed as (

    select
        force_id,
        trim(crime_id) as crime_id,
        upper(trim(decision)) as decision,
        {{ dbt.safe_cast('decided_at', dbt.type_timestamp()) }} as decided_at,
        trim(reason_code) as reason_code,
        trim(authorised_by) as authorised_by,
        {{ dbt.safe_cast('victim_informed', dbt.type_boolean()) }} as victim_informed,
        {{ dbt.safe_cast('export_date', 'date') }} as export_date,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
