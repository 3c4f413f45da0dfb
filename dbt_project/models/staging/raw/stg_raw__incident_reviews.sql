with

source as (

    select
        *,
        {{ latest_version_rank(['trim(audit_id)', 'trim(auditor_ref)'], with_export_date=false) }} as version_rank
    from {{ source('raw', 'incident_reviews') }}

),

renamed as (

    select
        trim(audit_id) as audit_id,
        trim(auditor_ref) as auditor_ref,
        force_id,
        trim(incident_id) as incident_id,
        {{ normalise_offence_code('expected_offence_code') }} as expected_offence_code,
        {{ dbt.safe_cast('reviewed_at', dbt.type_timestamp()) }} as reviewed_at,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
