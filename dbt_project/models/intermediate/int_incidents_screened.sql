{#-
    Every incident with what screening needs: whether its codes say a crime (an opening code of
    a crime type, or closed as a crime; the incident_codes seed), and how long after it was
    received the first crime linked to it was recorded (NULL: none linked). A view: the screen
    reads the latest weeks of it, the audit comparison only the audited incidents.
-#}
{{ config(materialized='view') }}

with

incidents as (

    select * from {{ ref('stg_raw__incidents') }}

),

codes as (

    select * from {{ ref('incident_codes') }}

),

first_crimes as (

    select
        force_id,
        incident_id,
        min(recorded_at) as first_crime_recorded_at
    from {{ ref('stg_raw__crimes') }}
    where incident_id is not null
    group by force_id, incident_id

),

final as (

    select
        incidents.force_id,
        incidents.incident_id,
        incidents.received_at,
        incidents.export_date,
        incidents.opening_code,
        incidents.closing_code,
        opening.offence_group,
        case
            when coalesce(closing.is_duplicate, false) then null
            when coalesce(closing.indicates_crime, false) then 'closed_as_crime'
            when coalesce(opening.indicates_crime, false) then 'crime_type_opening'
        end as screen_rule,
        first_crimes.first_crime_recorded_at,
        cast({{ dbt.datediff('incidents.received_at', 'first_crimes.first_crime_recorded_at', 'second') }} as double)
            / 3600 as hours_to_first_crime

    from incidents
    left join codes as opening
        on upper(incidents.opening_code) = opening.code and opening.code_type = 'opening'
    left join codes as closing
        on upper(incidents.closing_code) = closing.code and closing.code_type = 'closing'
    left join first_crimes
        on incidents.force_id = first_crimes.force_id
        and incidents.incident_id = first_crimes.incident_id

)

select * from final
