{#-
    The per-stratum sums the weighted (stratified ratio) recording rate needs, per designed audit,
    stratum of its design and offence group of the expected crimes (plus `all`):

        x_hi = expected crimes of sampled incident i of stratum h (in the group)
        y_hi = those of them the force recorded
        sum_x, sum_y, sum_xx, sum_yy, sum_xy over the stratum's sampled incidents

    An incident with no expected crime of the group adds 0 to every sum but still counts in n_h:
    a group's rate is a domain estimate over the same sample.

    The stratum of a reviewed incident comes from the design (raw.audit_designs), never from the
    review sheet, so an auditor cannot move an incident between strata. design_problem says why
    the design cannot carry a weighted rate (NULL when it can); then the marts fall back to the
    Wilson rate with rate_method = 'wilson_design_mismatch':
      - a stratum's rows disagree on its population or sample size, its drawn incidents are not
        its sample size, or its sample size exceeds its population;
      - a sampled incident was not reviewed, or a reviewed incident is not in the design;
      - a stratum has fewer than 2 sampled incidents without being a census (n_h < N_h): its
        variance cannot be estimated.
-#}

with

design as (

    select * from {{ ref('stg_raw__audit_designs') }}

),

audits as (

    select * from {{ ref('int_audits_published') }}

),

incident_reviews as (

    select * from {{ ref('stg_raw__incident_reviews') }}

),

expected_crimes as (

    select * from {{ ref('int_expected_crimes_matched') }}

),

designed_audits as (

    select distinct design.audit_id
    from design
    inner join audits
        on design.audit_id = audits.audit_id

),

strata as (

    select
        audit_id,
        stratum,
        max(stratum_population) as stratum_population,
        max(stratum_sample_size) as stratum_sample_size,
        cast(count(*) as {{ dbt.type_bigint() }}) as incidents_drawn,
        count(distinct stratum_population) as population_values,
        count(distinct stratum_sample_size) as sample_size_values
    from design
    group by audit_id, stratum

),

reviewed_incidents as (

    select distinct audit_id, incident_id
    from incident_reviews

),

sampled as (

    select
        design.audit_id,
        design.incident_id,
        design.stratum,
        case when reviewed_incidents.incident_id is null then 0 else 1 end as is_reviewed
    from design
    left join reviewed_incidents
        on design.audit_id = reviewed_incidents.audit_id
        and design.incident_id = reviewed_incidents.incident_id

),

stratum_reviews as (

    select
        audit_id,
        stratum,
        cast(sum(is_reviewed) as {{ dbt.type_bigint() }}) as incidents_reviewed
    from sampled
    group by audit_id, stratum

),

problems as (

    select
        audit_id,
        'stratum ' || stratum || ': its rows disagree on N_h or n_h, or n_h is not the '
            || 'incidents drawn, or n_h > N_h' as problem
    from strata
    where population_values > 1
        or sample_size_values > 1
        or incidents_drawn <> stratum_sample_size
        or stratum_sample_size > stratum_population

    union all

    select
        strata.audit_id,
        'stratum ' || strata.stratum || ': ' || {{ dbt.cast('stratum_reviews.incidents_reviewed', dbt.type_string()) }}
            || ' of ' || {{ dbt.cast('strata.incidents_drawn', dbt.type_string()) }}
            || ' sampled incidents reviewed' as problem
    from strata
    inner join stratum_reviews
        on strata.audit_id = stratum_reviews.audit_id
        and strata.stratum = stratum_reviews.stratum
    where stratum_reviews.incidents_reviewed < strata.incidents_drawn

    union all

    select
        audit_id,
        'stratum ' || stratum || ': fewer than 2 sampled incidents and not a census' as problem
    from strata
    where stratum_sample_size < 2 and stratum_sample_size < stratum_population

    union all

    select
        reviewed_incidents.audit_id,
        {{ dbt.cast('count(*)', dbt.type_string()) }} || ' reviewed incident(s) not in the design' as problem
    from reviewed_incidents
    inner join designed_audits
        on reviewed_incidents.audit_id = designed_audits.audit_id
    left join design
        on reviewed_incidents.audit_id = design.audit_id
        and reviewed_incidents.incident_id = design.incident_id
    where design.incident_id is null
    group by reviewed_incidents.audit_id

),

audit_problems as (

    select
        audit_id,
        {{ dbt.listagg('problem', "'; '", 'order by problem') }} as design_problem
    from problems
    group by audit_id

),

-- x and y of each reviewed incident, per group of its expected crimes and for `all`
per_incident as (

    select
        audit_id,
        incident_id,
        expected_offence_group as offence_group,
        cast(count(*) as {{ dbt.type_bigint() }}) as x,
        {{ count_where('is_recorded') }} as y
    from expected_crimes
    where expected_offence_group is not null
    group by audit_id, incident_id, expected_offence_group

    union all

    select
        audit_id,
        incident_id,
        'all' as offence_group,
        cast(count(*) as {{ dbt.type_bigint() }}) as x,
        {{ count_where('is_recorded') }} as y
    from expected_crimes
    group by audit_id, incident_id

),

sums as (

    select
        sampled.audit_id,
        sampled.stratum,
        per_incident.offence_group,
        cast(sum(per_incident.x) as {{ dbt.type_bigint() }}) as sum_x,
        cast(sum(per_incident.y) as {{ dbt.type_bigint() }}) as sum_y,
        cast(sum(per_incident.x * per_incident.x) as {{ dbt.type_bigint() }}) as sum_xx,
        cast(sum(per_incident.y * per_incident.y) as {{ dbt.type_bigint() }}) as sum_yy,
        cast(sum(per_incident.x * per_incident.y) as {{ dbt.type_bigint() }}) as sum_xy
    from sampled
    inner join per_incident
        on sampled.audit_id = per_incident.audit_id
        and sampled.incident_id = per_incident.incident_id
    group by sampled.audit_id, sampled.stratum, per_incident.offence_group

),

-- every group of the audit's expected crimes, and `all` even when none was expected
audit_groups as (

    select distinct audit_id, offence_group
    from per_incident

    union

    select audit_id, 'all' as offence_group
    from designed_audits

),

final as (

    select
        strata.audit_id,
        audits.force_id,
        strata.stratum,
        audit_groups.offence_group,
        strata.stratum_population,
        strata.stratum_sample_size,
        coalesce(stratum_reviews.incidents_reviewed, 0) as incidents_reviewed,
        coalesce(sums.sum_x, 0) as sum_x,
        coalesce(sums.sum_y, 0) as sum_y,
        coalesce(sums.sum_xx, 0) as sum_xx,
        coalesce(sums.sum_yy, 0) as sum_yy,
        coalesce(sums.sum_xy, 0) as sum_xy,
        audit_problems.design_problem

    from strata
    inner join audits
        on strata.audit_id = audits.audit_id
    inner join audit_groups
        on strata.audit_id = audit_groups.audit_id
    left join stratum_reviews
        on strata.audit_id = stratum_reviews.audit_id
        and strata.stratum = stratum_reviews.stratum
    left join sums
        on strata.audit_id = sums.audit_id
        and strata.stratum = sums.stratum
        and audit_groups.offence_group = sums.offence_group
    left join audit_problems
        on strata.audit_id = audit_problems.audit_id

)

select * from final
