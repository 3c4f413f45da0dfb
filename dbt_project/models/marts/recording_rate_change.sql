{#-
    Analysts' view: every audit with reviewed crimes beside the same force's previous one, so
    the change in recording rate and no-crime accuracy reads off one row, with whether it is
    significant at 95% (two-proportion z test). The previous_* and *_change columns are NULL on
    a force's first (or only) audit.
-#}
{{ config(materialized='view') }}

with

audits as (

    select * from {{ ref('stg_raw__audits') }}

),

recording as (

    select * from {{ ref('recording_accuracy') }}
    where offence_group = 'all'

),

no_crime as (

    select * from {{ ref('no_crime_accuracy') }}
    where offence_group = 'all'

),

audited as (

    select
        recording.force_id,
        recording.audit_id,
        audits.period_start,
        audits.period_end,
        recording.crimes_reported,
        recording.crimes_recorded,
        recording.recording_rate,
        recording.rate_ci_low,
        recording.rate_ci_high,
        no_crime.accuracy_rate as no_crime_accuracy_rate
    from recording
    inner join audits
        on recording.audit_id = audits.audit_id
    left join no_crime
        on recording.audit_id = no_crime.audit_id
    where recording.crimes_reported > 0

),

sequenced as (

    select
        audited.*,
        lag(audit_id) over by_period as previous_audit_id,
        lag(period_end) over by_period as previous_period_end,
        lag(recording_rate) over by_period as previous_recording_rate,
        lag(crimes_reported) over by_period as previous_crimes_reported,
        lag(crimes_recorded) over by_period as previous_crimes_recorded,
        lag(rate_ci_low) over by_period as previous_rate_ci_low,
        lag(rate_ci_high) over by_period as previous_rate_ci_high,
        lag(no_crime_accuracy_rate) over by_period as previous_no_crime_accuracy_rate
    from audited
    window by_period as (
        partition by force_id
        order by period_end asc nulls first, period_start asc nulls first, audit_id asc
    )

),

final as (

    select
        force_id,
        audit_id,
        period_start,
        period_end,
        recording_rate,
        rate_ci_low,
        rate_ci_high,
        previous_audit_id,
        previous_period_end,
        previous_recording_rate,
        recording_rate - previous_recording_rate as recording_rate_change,
        -- the intervals do not overlap: a change that is not just sampling noise
        coalesce(rate_ci_low > previous_rate_ci_high or rate_ci_high < previous_rate_ci_low, false)
            as is_clear_change,
        -- the standard test of a change between two independent samples (two-proportion z)
        {{ two_proportion_z('crimes_recorded', 'crimes_reported', 'previous_crimes_recorded', 'previous_crimes_reported') }}
            as rate_change_z,
        coalesce(abs({{ two_proportion_z('crimes_recorded', 'crimes_reported', 'previous_crimes_recorded', 'previous_crimes_reported') }}) > 1.96, false)
            as is_significant_change,
        no_crime_accuracy_rate,
        previous_no_crime_accuracy_rate,
        no_crime_accuracy_rate - previous_no_crime_accuracy_rate as no_crime_accuracy_change,
        audit_id in (select latest.audit_id from {{ ref('int_latest_audits') }} as latest) as is_latest_audit

    from sequenced

)

select * from final
