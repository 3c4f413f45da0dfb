{#-
    police.uk rows with the two checks that need reference data: the force the file is for
    publishes under a different name (`Falls within` disagrees with the file name), and the
    row's LSOA lies in a district outside the force area (NULL when the force's districts are
    not in the force_local_authorities seed).
-#}
{#- One row per police.uk row: published as a view (orchestration/publish/night_file.py). -#}
{{ config(meta={'published_as': 'view'}) }}

with

rows_ as (

    select * from {{ ref('stg_police_uk__street_crimes') }}

),

forces as (

    select force_id, force_name from {{ ref('forces') }}

),

force_districts as (

    select force_id, local_authority from {{ ref('force_local_authorities') }}

),

forces_with_districts as (

    select distinct force_id from force_districts

),

located as (

    select
        rows_.*,
        coalesce(rows_.falls_within <> forces.force_name, true) as falls_within_mismatch,
        case
            when forces_with_districts.force_id is null or rows_.lsoa_local_authority is null then cast(null as boolean)
            else force_districts.local_authority is null
        end as is_outside_force

    from rows_
    left join forces
        on rows_.force_id = forces.force_id
    left join forces_with_districts
        on rows_.force_id = forces_with_districts.force_id
    left join force_districts
        on rows_.force_id = force_districts.force_id
        and rows_.lsoa_local_authority = force_districts.local_authority

)

select * from located
