{#-
    police.uk street-level rows, typed and flagged. Anti-social behaviour is kept but is not a
    crime. A row identical in every published column to an earlier row of the same file, with
    a Crime ID, is a duplicate (counted once); identical ASB rows are separate incidents at the
    same snapped location and are not duplicates.

    Incremental per source file: the rows have no key (anti-social behaviour has no Crime ID)
    and every flag is computed within one file, so a run rebuilds the files loaded since the
    last build, all rows of each (see macros/incremental_versions.sql). A single-column
    unique_key makes delete+insert delete with `in`, not a many-to-many join.
-#}
{{ config(
    materialized=incremental_materialization(),
    meta={'published_as': 'view'},
    unique_key='_source_file',
    post_hook="{{ delete_rows_of_dead_loads(source('police_uk', 'police_uk_street')) }}",
) }}

with

source as (

    {{ changed_key_rows(source('police_uk', 'police_uk_street'), {'_source_file': '_source_file'}) }}

),

flagged as (

    select
        force_id,
        file_month,
        nullif(trim(crime_id), '') as crime_id,
        trim(month) as month,
        reported_by,
        falls_within,
        cast(longitude as double) as longitude,
        cast(latitude as double) as latitude,
        cast(easting as double) as easting,
        cast(northing as double) as northing,
        location,
        lsoa_code,
        lsoa_name,
        -- "Stevenage 008D" -> "Stevenage": the local authority district of the LSOA
        nullif(regexp_replace(lsoa_name, ' [0-9]{3}[A-Z]$', ''), '') as lsoa_local_authority,
        crime_type,
        last_outcome_category,
        context,
        layout,
        crime_type = 'Anti-social behaviour' as is_asb,
        (longitude is not null and latitude is not null)
            or (easting is not null and northing is not null) as has_location,
        case
            when nullif(trim(crime_id), '') is null then false
            else row_number() over (
                partition by _source_file, crime_id, month, reported_by, falls_within, longitude, latitude,
                    location, lsoa_code, lsoa_name, crime_type, last_outcome_category, context
                order by _source_row
            ) > 1
        end as is_duplicate,
        _load_id,
        _source_file,
        _source_row

    from source

)

select * from flagged
