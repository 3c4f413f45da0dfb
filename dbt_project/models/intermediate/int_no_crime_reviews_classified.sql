{#- The auditors' no-crime reviews of audits whose figures may be published, each with the reviewed crime's offence code and group. -#}
with

no_crime_reviews as (

    select * from {{ ref('stg_raw__no_crime_reviews') }}

),

audits as (

    select * from {{ ref('int_audits_published') }}

),

crimes as (

    select * from {{ ref('stg_raw__crimes') }}

),

no_crime_decisions as (

    select * from {{ ref('stg_raw__crime_decisions') }}
    where decision = 'NO_CRIME'

),

offence_codes as (

    select * from {{ ref('offence_codes') }}

),

final as (

    select
        no_crime_reviews.audit_id,
        no_crime_reviews.force_id,
        no_crime_reviews.crime_id,
        no_crime_reviews.auditor_ref,
        no_crime_reviews.reviewed_at,
        no_crime_reviews.verdict,
        no_crime_reviews.is_correct,
        crimes.offence_code,
        offence_codes.offence_group,
        offence_codes.is_rape,
        no_crime_decisions.decided_at as no_crime_decided_at

    from no_crime_reviews
    -- audits whose figures may be published only (int_audit_statuses)
    inner join audits
        on no_crime_reviews.audit_id = audits.audit_id
    left join crimes
        on no_crime_reviews.force_id = crimes.force_id
        and no_crime_reviews.crime_id = crimes.crime_id
    left join offence_codes
        on crimes.offence_code = offence_codes.offence_code
    left join no_crime_decisions
        on no_crime_reviews.force_id = no_crime_decisions.force_id
        and no_crime_reviews.crime_id = no_crime_decisions.crime_id

)

select * from final
