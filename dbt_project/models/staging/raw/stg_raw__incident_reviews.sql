{#-
    Every row of the incident-review sheets: one per expected crime. This sheet has no key
    (DESIGN.md "Keys"): an auditor reviews many rows and an incident may list the same offence
    twice, so no row is dropped as a repeat. A corrected sheet replaces its file's rows in raw.
-#}
with

source as (

    select * from {{ source('raw', 'incident_reviews') }}

),

renamed as (

    select
        {{ dbt.concat(['_source_file', "'#'", dbt.cast('_source_row', dbt.type_string())]) }} as review_id,
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

)

select * from renamed
