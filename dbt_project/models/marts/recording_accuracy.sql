{#-
    Recorded versus reported crimes per force, audit and expected offence group, plus an `all`
    row per force and audit (present even before any review of the audit is loaded).
    recording_rate is the simple rate with its Wilson interval, always. When the audit carries a
    sample design (`cdi audit design`), weighted_* is the stratified ratio estimate with its
    interval (int_recording_rates_weighted, formula there and in the README), and rate_method
    says which of the two is the headline: 'weighted', 'wilson' (no design), or
    'wilson_design_mismatch' (a design that does not match the reviews: no weighted figure),
    'wilson_zero_variance' (no failure, or no success, in strata only sampled: no weighted figure).
    Only audits whose figures may be published; held-back audits keep their last published rows
    (macros/published_per_audit.sql).
-#}
{{ published_per_audit() }}

{%- set recording = wilson_interval('crimes_recorded', 'crimes_reported') -%}

with

audits as (

    select * from {{ ref('int_audits_published') }}

),

incident_reviews as (

    select * from {{ ref('stg_raw__incident_reviews') }}

),

expected_crimes as (

    select * from {{ ref('int_expected_crimes_matched') }}

),

weighted as (

    select * from {{ ref('int_recording_rates_weighted') }}

),

-- what each row counts: every expected crime under its own group and under `all`; the `all`
-- row also counts the incidents where the auditor expected no crime, and every audit
counted as (

    select
        audit_id,
        expected_offence_group as offence_group,
        incident_id,
        review_id,
        is_recorded,
        is_correctly_classified,
        is_recorded_on_time
    from expected_crimes

    union all

    select
        audit_id,
        'all' as offence_group,
        incident_id,
        review_id,
        is_recorded,
        is_correctly_classified,
        is_recorded_on_time
    from expected_crimes

    union all

    select
        audit_id,
        'all' as offence_group,
        incident_id,
        cast(null as {{ dbt.type_string() }}) as review_id,
        cast(null as {{ dbt.type_boolean() }}) as is_recorded,
        cast(null as {{ dbt.type_boolean() }}) as is_correctly_classified,
        cast(null as {{ dbt.type_boolean() }}) as is_recorded_on_time
    from incident_reviews
    where expected_offence_code is null

    union all

    select
        audit_id,
        'all' as offence_group,
        cast(null as {{ dbt.type_string() }}) as incident_id,
        cast(null as {{ dbt.type_string() }}) as review_id,
        cast(null as {{ dbt.type_boolean() }}) as is_recorded,
        cast(null as {{ dbt.type_boolean() }}) as is_correctly_classified,
        cast(null as {{ dbt.type_boolean() }}) as is_recorded_on_time
    from audits

),

counts as (

    select
        audit_id,
        offence_group,
        cast(count(distinct incident_id) as {{ dbt.type_bigint() }}) as incidents_reviewed,
        cast(count(review_id) as {{ dbt.type_bigint() }}) as crimes_reported,
        {{ count_where('is_recorded') }} as crimes_recorded,
        {{ count_where('is_correctly_classified') }} as crimes_correctly_classified,
        {{ count_where('is_recorded_on_time') }} as crimes_recorded_on_time
    from counted
    group by audit_id, offence_group

),

final as (

    select
        audits.force_id,
        counts.audit_id,
        counts.offence_group,
        counts.incidents_reviewed,
        counts.crimes_reported,
        counts.crimes_recorded,
        counts.crimes_reported - counts.crimes_recorded as crimes_unrecorded,
        {{ recording.rate }} as recording_rate,
        {{ recording.low }} as rate_ci_low,
        {{ recording.high }} as rate_ci_high,
        counts.crimes_correctly_classified,
        counts.crimes_recorded_on_time,
        coalesce(weighted.rate_method, 'wilson') as rate_method,
        weighted.weighted_recording_rate,
        weighted.weighted_rate_ci_low,
        weighted.weighted_rate_ci_high

    from counts
    inner join audits
        on counts.audit_id = audits.audit_id
    left join weighted
        on counts.audit_id = weighted.audit_id
        and counts.offence_group = weighted.offence_group

)

select * from final
