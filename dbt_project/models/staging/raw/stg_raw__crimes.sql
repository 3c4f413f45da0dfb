with

source as (

    select
        *,
        {{ latest_version_rank(['force_id', 'trim(crime_id)']) }} as version_rank
    from {{ source('raw', 'crimes') }}

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
