{#- Home Office offence codes with the inspectorate's offence groups, from the offence_codes seed. -#}
with

offence_codes as (

    select * from {{ ref('offence_codes') }}

),

final as (

    select
        offence_code,
        offence_description,
        offence_group,
        is_rape,
        police_uk_crime_type
    from offence_codes

)

select * from final
