{#-
    How well the screen's rules find unrecorded crime, measured on each published audit: of the
    audited incidents, those the rules flag (codes say a crime, no crime linked within the
    audit's time limit) against those the auditors found with a crime never recorded.
    precision = flagged and unrecorded / flagged; recall = flagged and unrecorded / unrecorded.
-#}
{%- set precision = wilson_interval('flagged_unrecorded', 'incidents_flagged') -%}
{%- set recall = wilson_interval('flagged_unrecorded', 'incidents_unrecorded') -%}

with

audits as (

    select * from {{ ref('int_audits_published') }}

),

audited_incidents as (

    select distinct reviews.audit_id, reviews.force_id, reviews.incident_id
    from {{ ref('stg_raw__incident_reviews') }} as reviews
    inner join audits
        on reviews.audit_id = audits.audit_id

),

unrecorded_incidents as (

    select distinct audit_id, incident_id
    from {{ ref('int_expected_crimes_matched') }}
    where not is_recorded

),

judged as (

    select
        audited_incidents.audit_id,
        audited_incidents.force_id,
        unrecorded_incidents.incident_id is not null as is_unrecorded,
        coalesce(
            screened.screen_rule is not null
            and (screened.hours_to_first_crime is null or screened.hours_to_first_crime > audits.time_limit_hours),
            false
        ) as is_flagged

    from audited_incidents
    inner join audits
        on audited_incidents.audit_id = audits.audit_id
    left join unrecorded_incidents
        on audited_incidents.audit_id = unrecorded_incidents.audit_id
        and audited_incidents.incident_id = unrecorded_incidents.incident_id
    left join {{ ref('int_incidents_screened') }} as screened
        on audited_incidents.force_id = screened.force_id
        and audited_incidents.incident_id = screened.incident_id

),

counts as (

    select
        audit_id,
        force_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as incidents_audited,
        {{ count_where('is_unrecorded') }} as incidents_unrecorded,
        {{ count_where('is_flagged') }} as incidents_flagged,
        {{ count_where('is_flagged and is_unrecorded') }} as flagged_unrecorded
    from judged
    group by audit_id, force_id

),

final as (

    select
        force_id,
        audit_id,
        incidents_audited,
        incidents_unrecorded,
        incidents_flagged,
        flagged_unrecorded,
        {{ precision.rate }} as screen_precision,
        {{ recall.rate }} as screen_recall

    from counts

)

select * from final
