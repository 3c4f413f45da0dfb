{#-
    Each force's latest audit with reviewed crimes: the one definition of "latest audit" the
    marts rank, compare and scale with. Latest = the latest period end, then the latest period
    start, then the highest audit id (two audits of one period: the later-named one). An audit
    whose reviews are not loaded yet (no crime reported) has nothing to rank: the previous
    one stands. A zero recording rate is kept (it is a real finding) and flagged: it cannot
    scale published volumes into an estimate (division by zero), so `can_scale_volumes` says
    whether the estimate may use it.
    recording_rate and its interval are the audit's headline rate (rate_method): the weighted
    estimate when the audit carries a sample design, else the simple rate with its Wilson
    interval; a designed audit's simple rate is biased by its unequal sampling fractions.
-#}
{{ config(materialized='view') }}

with

audits as (

    select * from {{ ref('stg_raw__audits') }}

),

recording as (

    select * from {{ ref('recording_accuracy') }}
    where offence_group = 'all' and crimes_reported > 0

),

ranked as (

    select
        recording.force_id,
        recording.audit_id,
        audits.period_start,
        audits.period_end,
        recording.incidents_reviewed,
        recording.crimes_reported,
        recording.crimes_recorded,
        recording.crimes_unrecorded,
        recording.rate_method,
        case when recording.rate_method = 'weighted' then recording.weighted_recording_rate
            else recording.recording_rate end as recording_rate,
        case when recording.rate_method = 'weighted' then recording.weighted_rate_ci_low
            else recording.rate_ci_low end as rate_ci_low,
        case when recording.rate_method = 'weighted' then recording.weighted_rate_ci_high
            else recording.rate_ci_high end as rate_ci_high,
        row_number() over (
            partition by recording.force_id
            order by audits.period_end desc nulls last, audits.period_start desc nulls last, recording.audit_id desc
        ) as recency
    from recording
    inner join audits
        on recording.audit_id = audits.audit_id

),

final as (

    select
        force_id,
        audit_id,
        period_start,
        period_end,
        incidents_reviewed,
        crimes_reported,
        crimes_recorded,
        crimes_unrecorded,
        rate_method,
        recording_rate,
        rate_ci_low,
        rate_ci_high,
        recording_rate > 0 as can_scale_volumes
    from ranked
    where recency = 1

)

select * from final
