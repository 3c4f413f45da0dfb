with

source as (

    select
        *,
        {{ latest_version_rank(['force_id', 'trim(crime_id)', 'upper(trim(disposal_type))']) }} as version_rank
    from {{ source('raw', 'disposals') }}

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
