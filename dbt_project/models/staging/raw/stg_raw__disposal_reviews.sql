with

source as (

    select
        *,
        {{ latest_version_rank(['trim(audit_id)', 'trim(crime_id)'], with_export_date=false) }} as version_rank
    from {{ source('raw', 'disposal_reviews') }}

),

renamed as (

    select
        trim(audit_id) as audit_id,
        trim(crime_id) as crime_id,
        force_id,
        trim(auditor_ref) as auditor_ref,
        {{ dbt.safe_cast('reviewed_at', dbt.type_timestamp()) }} as reviewed_at,
        lower(trim(verdict)) as verdict,
        case lower(trim(verdict))
            when 'appropriate' then true
            when 'inappropriate' then false
        end as is_appropriate,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
