{#-
    The daily work list of a force crime registrar: incidents whose codes say a crime (closed as
    a crime, or opened as a crime type and not closed as a duplicate) with no crime linked within
    the time limit (var screen_time_limit_hours, 24 as today's audits use), among those received
    in the last screen_window_days (28) before the force's latest incident. "Now" is the force's
    latest incident in the warehouse, so the list is the same however often it is rebuilt.
    Rape and other sexual offences first, then violence, then the rest; oldest first within.
-#}
{%- set limit_hours = var('screen_time_limit_hours', 24) -%}
{%- set window_days = var('screen_window_days', 28) -%}

with

screened as (

    select * from {{ ref('int_incidents_screened') }}

),

as_of as (

    select force_id, max(received_at) as screened_as_of
    from screened
    group by force_id

),

flagged as (

    select
        screened.force_id,
        screened.incident_id,
        screened.received_at,
        screened.opening_code,
        screened.closing_code,
        screened.screen_rule,
        screened.offence_group,
        case screened.offence_group
            when 'sexual_offences' then 1
            when 'violence_against_the_person' then 2
            else 3
        end as priority,
        cast({{ dbt.datediff('screened.received_at', 'as_of.screened_as_of', 'second') }} as double) / 3600
            as age_hours,
        screened.hours_to_first_crime,
        as_of.screened_as_of

    from screened
    inner join as_of
        on screened.force_id = as_of.force_id
    where screened.screen_rule is not null
        and (screened.hours_to_first_crime is null or screened.hours_to_first_crime > {{ limit_hours }})
        -- the time limit has passed: before that, no crime yet is not a finding
        and screened.received_at <= {{ dbt.dateadd('hour', -limit_hours, 'as_of.screened_as_of') }}
        and screened.received_at > {{ dbt.dateadd('day', -window_days, 'as_of.screened_as_of') }}

)

select * from flagged
