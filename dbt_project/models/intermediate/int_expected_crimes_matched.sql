{#-
    Pairs every expected crime (a crime the auditor says an incident should have produced) with a
    crime the force recorded for that incident, deterministically, in three passes:

        1. same offence code
        2. among what is still unpaired, same offence group
        3. among what is still unpaired, any crime of the incident (recorded, but misclassified)

    Within a pass, the n-th expected crime of a partition pairs with the n-th recorded crime of
    the same partition (the reviewed incident, plus the pass's key): expected crimes ordered by
    (expected_offence_code, review_id), recorded crimes by (recorded_at, crime_id).
    Each recorded crime pairs at most once.
-#}
{%- set passes = [
    {'expected_key': 'expected_offence_code', 'recorded_key': 'recorded_offence_code'},
    {'expected_key': 'expected_offence_group', 'recorded_key': 'recorded_offence_group'},
    {'expected_key': none, 'recorded_key': none},
] -%}

with

incident_reviews as (

    select * from {{ ref('stg_raw__incident_reviews') }}

),

audits as (

    select * from {{ ref('int_audits_published') }}

),

incidents as (

    select * from {{ ref('stg_raw__incidents') }}

),

crimes as (

    select * from {{ ref('stg_raw__crimes') }}

),

offence_codes as (

    select * from {{ ref('offence_codes') }}

),

expected_crimes as (

    select
        incident_reviews.audit_id,
        incident_reviews.force_id,
        incident_reviews.incident_id,
        incident_reviews.review_id,
        incident_reviews.auditor_ref,
        incident_reviews.expected_offence_code,
        offence_codes.offence_group as expected_offence_group,
        offence_codes.is_rape

    from incident_reviews
    -- audits whose figures may be published only (int_audit_statuses)
    inner join audits
        on incident_reviews.audit_id = audits.audit_id
    left join offence_codes
        on incident_reviews.expected_offence_code = offence_codes.offence_code
    where incident_reviews.expected_offence_code is not null

),

reviewed_incidents as (

    select distinct
        audit_id,
        force_id,
        incident_id
    from expected_crimes

),

-- the crimes each reviewed incident produced: the only ones its expected crimes can pair with
recorded_crimes as (

    select
        reviewed_incidents.audit_id,
        reviewed_incidents.incident_id,
        crimes.crime_id,
        crimes.offence_code as recorded_offence_code,
        offence_codes.offence_group as recorded_offence_group,
        crimes.recorded_at

    from reviewed_incidents
    inner join crimes
        on reviewed_incidents.force_id = crimes.force_id
        and reviewed_incidents.incident_id = crimes.incident_id
    left join offence_codes
        on crimes.offence_code = offence_codes.offence_code

),

{% for pass in passes -%}
{%- set n = loop.index -%}
{%- set expected_partition_extra = ', ' ~ pass.expected_key if pass.expected_key else '' -%}
{%- set recorded_partition_extra = ', ' ~ pass.recorded_key if pass.recorded_key else '' %}
-- pass {{ n }}: what is still unpaired, ranked within its partition
{%- if n == 1 %}

expected_unpaired_1 as (

    select * from expected_crimes

),

recorded_unpaired_1 as (

    select * from recorded_crimes

),
{%- else %}

expected_unpaired_{{ n }} as (

    select expected_unpaired_{{ n - 1 }}.*
    from expected_unpaired_{{ n - 1 }}
    left join pairs_{{ n - 1 }}
        on expected_unpaired_{{ n - 1 }}.audit_id = pairs_{{ n - 1 }}.audit_id
        and expected_unpaired_{{ n - 1 }}.review_id = pairs_{{ n - 1 }}.review_id
    where pairs_{{ n - 1 }}.review_id is null

),

recorded_unpaired_{{ n }} as (

    select recorded_unpaired_{{ n - 1 }}.*
    from recorded_unpaired_{{ n - 1 }}
    left join pairs_{{ n - 1 }}
        on recorded_unpaired_{{ n - 1 }}.audit_id = pairs_{{ n - 1 }}.audit_id
        and recorded_unpaired_{{ n - 1 }}.crime_id = pairs_{{ n - 1 }}.crime_id
    where pairs_{{ n - 1 }}.crime_id is null

),
{%- endif %}

expected_ranked_{{ n }} as (

    select
        *,
        row_number() over (
            partition by audit_id, incident_id{{ expected_partition_extra }}
            order by expected_offence_code nulls last, review_id nulls last
        ) as pair_rank
    from expected_unpaired_{{ n }}

),

recorded_ranked_{{ n }} as (

    select
        *,
        row_number() over (
            partition by audit_id, incident_id{{ recorded_partition_extra }}
            order by recorded_at nulls last, crime_id nulls last
        ) as pair_rank
    from recorded_unpaired_{{ n }}

),

pairs_{{ n }} as (

    select
        expected_ranked_{{ n }}.audit_id,
        expected_ranked_{{ n }}.review_id,
        recorded_ranked_{{ n }}.crime_id,
        recorded_ranked_{{ n }}.recorded_offence_code,
        recorded_ranked_{{ n }}.recorded_offence_group,
        recorded_ranked_{{ n }}.recorded_at,
        {{ n }} as match_pass

    from expected_ranked_{{ n }}
    inner join recorded_ranked_{{ n }}
        on expected_ranked_{{ n }}.audit_id = recorded_ranked_{{ n }}.audit_id
        and expected_ranked_{{ n }}.incident_id = recorded_ranked_{{ n }}.incident_id
        {%- if pass.expected_key %}
        and expected_ranked_{{ n }}.{{ pass.expected_key }} = recorded_ranked_{{ n }}.{{ pass.recorded_key }}
        {%- endif %}
        and expected_ranked_{{ n }}.pair_rank = recorded_ranked_{{ n }}.pair_rank

),
{% endfor %}

pairs as (

    {% for pass in passes -%}
    select * from pairs_{{ loop.index }}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

timed as (

    select
        expected_crimes.*,
        pairs.crime_id as matched_crime_id,
        pairs.recorded_offence_code,
        pairs.recorded_offence_group,
        pairs.match_pass,
        audits.time_limit_hours,
        incidents.received_at,
        pairs.recorded_at,
        {{ dbt.datediff('incidents.received_at', 'pairs.recorded_at', 'second') }} as seconds_to_record

    from expected_crimes
    left join pairs
        on expected_crimes.audit_id = pairs.audit_id
        and expected_crimes.review_id = pairs.review_id
    left join audits
        on expected_crimes.audit_id = audits.audit_id
    left join incidents
        on expected_crimes.force_id = incidents.force_id
        and expected_crimes.incident_id = incidents.incident_id

),

final as (

    select
        audit_id,
        force_id,
        incident_id,
        review_id,
        auditor_ref,
        expected_offence_code,
        expected_offence_group,
        is_rape,
        matched_crime_id,
        recorded_offence_code,
        recorded_offence_group,
        cast(match_pass as {{ dbt.type_int() }}) as match_pass,
        matched_crime_id is not null as is_recorded,
        coalesce(recorded_offence_code = expected_offence_code, false) as is_correctly_classified,
        -- compared in seconds: an hour difference truncates, so 72h00m01s would pass as 72 hours
        coalesce(seconds_to_record <= time_limit_hours * 3600, false) as is_recorded_on_time,
        time_limit_hours,
        received_at,
        recorded_at,
        cast(seconds_to_record as double) / 3600 as hours_to_record

    from timed

)

select * from final
