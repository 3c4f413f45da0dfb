{#-
    Analysts' view: the offence groups recorded less often than all crime of the same scope
    (a force's latest audit, or nationally over those audits), biggest gap first when ordered
    by rate_gap.
-#}
{{ config(materialized='view') }}

with

rates as (

    select * from {{ ref('offence_group_recording_rates') }}

),

final as (

    select
        scope,
        force_id,
        audit_id,
        offence_group,
        crimes_reported,
        crimes_recorded,
        crimes_unrecorded,
        recording_rate,
        rate_ci_low,
        rate_ci_high,
        all_groups_rate,
        rate_gap,
        -- the whole interval lies below the `all` rate: not just sampling noise
        rate_ci_high < all_groups_rate as is_clearly_under_recorded
    from rates
    where is_under_recorded

)

select * from final
