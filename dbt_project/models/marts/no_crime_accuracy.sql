{#-
    The auditors' verdicts on no-crime decisions per force, audit and offence group of the crime,
    plus an `all` row per force and audit. A reviewed crime whose offence group is unknown counts
    on the `all` row only.
    Only audits whose figures may be published; held-back audits keep their last published rows
    (macros/published_per_audit.sql).
-#}
{{ published_per_audit() }}

{%- set accuracy = wilson_interval('decisions_correct', 'decisions_reviewed') -%}

with

audits as (

    select * from {{ ref('int_audits_published') }}

),

no_crime_reviews as (

    select * from {{ ref('int_no_crime_reviews_classified') }}

),

-- what each row counts: every review under its crime's group and under `all`, and every audit
counted as (

    select
        audit_id,
        offence_group,
        crime_id,
        is_correct
    from no_crime_reviews
    where offence_group is not null

    union all

    select
        audit_id,
        'all' as offence_group,
        crime_id,
        is_correct
    from no_crime_reviews

    union all

    select
        audit_id,
        'all' as offence_group,
        cast(null as {{ dbt.type_string() }}) as crime_id,
        cast(null as {{ dbt.type_boolean() }}) as is_correct
    from audits

),

counts as (

    select
        audit_id,
        offence_group,
        cast(count(crime_id) as {{ dbt.type_bigint() }}) as decisions_reviewed,
        {{ count_where('is_correct') }} as decisions_correct,
        {{ count_where('not is_correct') }} as decisions_incorrect
    from counted
    group by audit_id, offence_group

),

final as (

    select
        audits.force_id,
        counts.audit_id,
        counts.offence_group,
        counts.decisions_reviewed,
        counts.decisions_correct,
        counts.decisions_incorrect,
        {{ accuracy.rate }} as accuracy_rate,
        {{ accuracy.low }} as accuracy_ci_low,
        {{ accuracy.high }} as accuracy_ci_high

    from counts
    inner join audits
        on counts.audit_id = audits.audit_id

)

select * from final
