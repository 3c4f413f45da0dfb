{#-
    The sample design of each designed audit: one row per sampled incident, the latest load of
    each (audit_id, incident_id). The stratum sizes repeat on every row of their stratum;
    int_audit_strata_summed checks that they agree.
-#}
with

source as (

    select
        *,
        {{ latest_version_rank(['trim(audit_id)', 'trim(incident_id)'], with_export_date=false) }} as version_rank
    from {{ source('raw', 'audit_designs') }}

),

renamed as (

    select
        trim(audit_id) as audit_id,
        force_id,
        trim(incident_id) as incident_id,
        lower(trim(stratum)) as stratum,
        cast(stratum_population as {{ dbt.type_bigint() }}) as stratum_population,
        cast(stratum_sample_size as {{ dbt.type_bigint() }}) as stratum_sample_size,
        cast(seed as {{ dbt.type_bigint() }}) as seed,
        cast(target_precision as double) as target_precision,
        cast(prior_rate as double) as prior_rate,
        _load_id,
        _source_file,
        _source_row,
        _loaded_at

    from source
    where version_rank = 1

)

select * from renamed
