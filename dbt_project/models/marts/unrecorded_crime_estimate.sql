{#-
    How many crimes a force's published volume leaves unrecorded, if its recording rate held:
    unrecorded = recorded x (1 - rate) / rate, the way the inspectorate applied audit rates to
    recorded volumes. The bounds come from the rate's 95% Wilson interval (the high rate gives
    the low estimate).

    The rate is the force's own latest published audit (`rate_source` = 'force_audit'); a force
    without one gets the national rate, pooled over every force's latest audit (recorded /
    reported summed, with its Wilson interval: `rate_source` = 'national'), as the
    inspectorate did for its national figure, so the national total covers every force with
    published volumes. A latest audit with a zero rate gives no estimate of its own (the
    formula divides by the rate): that force falls back to the national rate, and its audit is
    still in the pool. With no audit anywhere there is no rate and no row.
-#}
{%- set national = wilson_interval('national_recorded', 'national_reported') -%}

with

volumes as (

    select
        force_id,
        month as period,
        cast(sum(crimes) as {{ dbt.type_bigint() }}) as published_recorded_crimes
    from {{ ref('published_crime_volumes') }}
    group by force_id, month

),

latest_audits as (

    select * from {{ ref('int_latest_audits') }}

),

national_counts as (

    select
        cast(sum(crimes_recorded) as {{ dbt.type_bigint() }}) as national_recorded,
        cast(sum(crimes_reported) as {{ dbt.type_bigint() }}) as national_reported
    from latest_audits

),

national_rate as (

    select
        {{ national.rate }} as recording_rate,
        {{ national.low }} as rate_ci_low,
        {{ national.high }} as rate_ci_high
    from national_counts

),

rates as (

    select
        volumes.force_id,
        volumes.period,
        volumes.published_recorded_crimes,
        case when own.can_scale_volumes then 'force_audit' else 'national' end as rate_source,
        case when own.can_scale_volumes then own.audit_id end as audit_id,
        case when own.can_scale_volumes then own.period_end end as audit_period_end,
        case when own.can_scale_volumes then own.recording_rate else national_rate.recording_rate end
            as recording_rate,
        case when own.can_scale_volumes then own.rate_ci_low else national_rate.rate_ci_low end
            as rate_ci_low,
        case when own.can_scale_volumes then own.rate_ci_high else national_rate.rate_ci_high end
            as rate_ci_high

    from volumes
    cross join national_rate
    left join latest_audits as own
        on volumes.force_id = own.force_id

),

estimates as (

    select
        force_id,
        period,
        rate_source,
        audit_id,
        audit_period_end,
        published_recorded_crimes,
        recording_rate,
        rate_ci_low,
        rate_ci_high,
        cast(published_recorded_crimes * (1 - recording_rate) / recording_rate as double)
            as estimated_unrecorded,
        cast(published_recorded_crimes * (1 - rate_ci_high) / rate_ci_high as double)
            as estimated_unrecorded_low,
        cast(published_recorded_crimes * (1 - rate_ci_low) / nullif(rate_ci_low, 0) as double)
            as estimated_unrecorded_high

    from rates
    where recording_rate > 0

)

select * from estimates
