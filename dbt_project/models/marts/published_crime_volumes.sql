{#-
    police.uk published volumes per force, month and crime type. Crimes exclude anti-social
    behaviour (its rows carry crime_type 'Anti-social behaviour' with crimes 0) and exact
    duplicate rows (counted once; duplicate_rows says how many extra copies were published).
-#}
with

located as (

    select * from {{ ref('int_police_uk_rows_located') }}

),

volumes as (

    select
        force_id,
        month,
        crime_type,
        {{ count_where('not is_asb and not is_duplicate') }} as crimes,
        {{ count_where('is_asb') }} as asb_incidents,
        {{ count_where('not has_location') }} as rows_without_location,
        {{ count_where('is_duplicate') }} as duplicate_rows,
        {{ count_where('is_outside_force') }} as rows_outside_force,
        {{ count_where('falls_within_mismatch') }} as rows_falls_within_mismatch

    from located
    group by force_id, month, crime_type

)

select * from volumes
