{#-
    Analysts' view: recording rate per offence group in each force's latest audit (the audits of
    worst_forces_latest_audit) and nationally over those audits, beside the `all` rate of the same
    scope. A group is under-recorded when its rate is below that `all` rate.
-#}
{{ config(materialized='view') }}
{%- set national = wilson_interval('crimes_recorded', 'crimes_reported') -%}

with

latest_audits as (

    select * from {{ ref('worst_forces_latest_audit') }}

),

recording as (

    select * from {{ ref('recording_accuracy') }}

),

per_force as (

    select
        'force' as scope,
        recording.force_id,
        recording.audit_id,
        recording.offence_group,
        recording.crimes_reported,
        recording.crimes_recorded,
        recording.crimes_unrecorded,
        recording.recording_rate,
        recording.rate_ci_low,
        recording.rate_ci_high
    from recording
    inner join latest_audits
        on recording.audit_id = latest_audits.audit_id

),

national_counts as (

    select
        offence_group,
        cast(sum(crimes_reported) as {{ dbt.type_bigint() }}) as crimes_reported,
        cast(sum(crimes_recorded) as {{ dbt.type_bigint() }}) as crimes_recorded,
        cast(sum(crimes_unrecorded) as {{ dbt.type_bigint() }}) as crimes_unrecorded
    from per_force
    group by offence_group

),

national as (

    select
        'national' as scope,
        cast(null as {{ dbt.type_string() }}) as force_id,
        cast(null as {{ dbt.type_string() }}) as audit_id,
        offence_group,
        crimes_reported,
        crimes_recorded,
        crimes_unrecorded,
        {{ national.rate }} as recording_rate,
        {{ national.low }} as rate_ci_low,
        {{ national.high }} as rate_ci_high
    from national_counts

),

scoped as (

    select * from per_force
    union all
    select * from national

),

all_groups as (

    select scope, force_id, recording_rate as all_groups_rate
    from scoped
    where offence_group = 'all'

),

final as (

    select
        scoped.scope,
        scoped.force_id,
        scoped.audit_id,
        scoped.offence_group,
        scoped.crimes_reported,
        scoped.crimes_recorded,
        scoped.crimes_unrecorded,
        scoped.recording_rate,
        scoped.rate_ci_low,
        scoped.rate_ci_high,
        all_groups.all_groups_rate,
        scoped.recording_rate - all_groups.all_groups_rate as rate_gap,
        coalesce(scoped.recording_rate < all_groups.all_groups_rate, false) as is_under_recorded

    from scoped
    inner join all_groups
        on scoped.scope = all_groups.scope
        and coalesce(scoped.force_id, '') = coalesce(all_groups.force_id, '')

)

select * from final
