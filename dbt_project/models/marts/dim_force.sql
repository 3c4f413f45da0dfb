{#- The police forces, from the forces seed. -#}
with

forces as (

    select * from {{ ref('forces') }}

),

final as (

    select
        force_id,
        force_name,
        region,
        force_type
    from forces

)

select * from final
