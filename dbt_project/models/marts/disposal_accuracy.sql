{#-
    The auditors' verdicts on out-of-court disposals per force and audit.
    Only audits whose figures may be published; held-back audits keep their last published rows
    (macros/published_per_audit.sql).
-#}
{{ published_per_audit() }}

{%- set appropriateness = wilson_interval('appropriate', 'disposals_reviewed') -%}

with

audits as (

    select * from {{ ref('int_audits_published') }}

),

disposal_reviews as (

    select * from {{ ref('stg_raw__disposal_reviews') }}

),

counts as (

    select
        audits.audit_id,
        audits.force_id,
        cast(count(disposal_reviews.crime_id) as {{ dbt.type_bigint() }}) as disposals_reviewed,
        {{ count_where('disposal_reviews.is_appropriate') }} as appropriate,
        {{ count_where('not disposal_reviews.is_appropriate') }} as inappropriate

    from audits
    left join disposal_reviews
        on audits.audit_id = disposal_reviews.audit_id
    group by audits.audit_id, audits.force_id

),

final as (

    select
        force_id,
        audit_id,
        disposals_reviewed,
        appropriate,
        inappropriate,
        {{ appropriateness.rate }} as appropriate_rate,
        {{ appropriateness.low }} as appropriate_ci_low,
        {{ appropriateness.high }} as appropriate_ci_high

    from counts

)

select * from final
