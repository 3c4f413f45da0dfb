{#-
    Analysts' view: each force's latest audit with reviewed crimes, ranked by recording rate
    (rank 1 = the lowest rate), beside the national rate over the same audits and the force's
    no-crime accuracy in that audit. The report's standard chart reads it.
-#}
{{ config(materialized='view') }}
{%- set national = wilson_interval('national_recorded', 'national_reported') -%}

with

latest as (

    select * from {{ ref('int_latest_audits') }}

),

forces as (

    select * from {{ ref('dim_force') }}

),

no_crime as (

    select * from {{ ref('no_crime_accuracy') }}
    where offence_group = 'all'

),

national as (

    select
        cast(sum(crimes_recorded) as {{ dbt.type_bigint() }}) as national_recorded,
        cast(sum(crimes_reported) as {{ dbt.type_bigint() }}) as national_reported
    from latest

),

final as (

    select
        cast(rank() over (order by latest.recording_rate asc nulls last) as {{ dbt.type_bigint() }}) as worst_rank,
        latest.force_id,
        forces.force_name,
        forces.region,
        latest.audit_id,
        latest.period_start,
        latest.period_end,
        latest.incidents_reviewed,
        latest.crimes_reported,
        latest.crimes_recorded,
        latest.crimes_unrecorded,
        latest.recording_rate,
        latest.rate_ci_low,
        latest.rate_ci_high,
        {{ national.rate }} as national_recording_rate,
        latest.rate_ci_high < {{ national.rate }} as is_clearly_below_national,
        no_crime.decisions_reviewed,
        no_crime.decisions_incorrect,
        no_crime.accuracy_rate as no_crime_accuracy_rate,
        no_crime.accuracy_ci_low as no_crime_accuracy_ci_low,
        no_crime.accuracy_ci_high as no_crime_accuracy_ci_high

    from latest
    cross join national
    left join forces
        on latest.force_id = forces.force_id
    left join no_crime
        on latest.audit_id = no_crime.audit_id

)

select * from final
