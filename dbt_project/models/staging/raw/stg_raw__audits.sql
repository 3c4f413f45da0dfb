with

source as (

    select
        *,
        {{ latest_version_rank(['trim(audit_id)'], with_export_date=false) }} as version_rank
    from {{ source('raw', 'audits') }}

),

renamed as (

    select
        trim(audit_id) as audit_id,
        force_id,
        {{ dbt.safe_cast('period_start', 'date') }} as period_start,
        {{ dbt.safe_cast('period_end', 'date') }} as period_end,
        {{ dbt.safe_cast('time_limit_hours', dbt.type_int()) }} as time_limit_hours,
        trim(inspector) as inspector,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
