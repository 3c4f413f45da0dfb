{#-
    How many crimes a force's published volume leaves unrecorded, if its latest audit's
    recording rate held: unrecorded = recorded x (1 - rate) / rate, the way the inspectorate
    applied audit rates to recorded volumes. The bounds come from the rate's 95% Wilson
    interval (the high rate gives the low estimate). Forces without an audit have no row.
-#}
with

volumes as (

    select
        force_id,
        month as period,
        cast(sum(crimes) as {{ dbt.type_bigint() }}) as published_recorded_crimes
    from {{ ref('published_crime_volumes') }}
    group by force_id, month

),

audits as (

    select audit_id, period_end from {{ ref('stg_raw__audits') }}

),

latest_audit_rates as (

    select
        accuracy.force_id,
        accuracy.audit_id,
        audits.period_end as audit_period_end,
        accuracy.recording_rate,
        accuracy.rate_ci_low,
        accuracy.rate_ci_high,
        row_number() over (
            partition by accuracy.force_id order by audits.period_end desc, accuracy.audit_id desc
        ) as recency
    from {{ ref('recording_accuracy') }} as accuracy
    inner join audits
        on accuracy.audit_id = audits.audit_id
    where accuracy.offence_group = 'all' and accuracy.recording_rate > 0

),

estimates as (

    select
        volumes.force_id,
        volumes.period,
        rates.audit_id,
        rates.audit_period_end,
        volumes.published_recorded_crimes,
        rates.recording_rate,
        rates.rate_ci_low,
        rates.rate_ci_high,
        cast(volumes.published_recorded_crimes * (1 - rates.recording_rate) / rates.recording_rate as double)
            as estimated_unrecorded,
        cast(volumes.published_recorded_crimes * (1 - rates.rate_ci_high) / rates.rate_ci_high as double)
            as estimated_unrecorded_low,
        cast(volumes.published_recorded_crimes * (1 - rates.rate_ci_low) / nullif(rates.rate_ci_low, 0) as double)
            as estimated_unrecorded_high

    from volumes
    inner join latest_audit_rates as rates
        on volumes.force_id = rates.force_id
        and rates.recency = 1

)

select * from estimates
