{#-
    One row per day over the calendar years the data covers. The spine is built from a cross
    join of digits (0..99,999 days), not generate_series/range, so it runs on any engine.
-#}
{%- set digit_places = ['ones', 'tens', 'hundreds', 'thousands', 'ten_thousands'] -%}
{%- set day_names = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] -%}

with

data_dates as (

    select cast(received_at as date) as date_day from {{ ref('stg_raw__incidents') }}
    union all
    select cast(reported_at as date) from {{ ref('stg_raw__crimes') }}
    union all
    select cast(recorded_at as date) from {{ ref('stg_raw__crimes') }}
    union all
    select cast(decided_at as date) from {{ ref('stg_raw__crime_decisions') }}
    union all
    select cast(issued_at as date) from {{ ref('stg_raw__disposals') }}
    union all
    select period_start from {{ ref('stg_raw__audits') }}
    union all
    select period_end from {{ ref('stg_raw__audits') }}
    union all
    select cast(reviewed_at as date) from {{ ref('stg_raw__incident_reviews') }}
    union all
    select cast(reviewed_at as date) from {{ ref('stg_raw__no_crime_reviews') }}
    union all
    select cast(reviewed_at as date) from {{ ref('stg_raw__disposal_reviews') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('year', 'min(date_day)') }} as date) as first_day,
        cast({{ dbt.last_day('max(date_day)', 'year') }} as date) as last_day
    from data_dates

),

digits as (

    {% for digit in range(10) -%}
    select {{ digit }} as digit
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

day_offsets as (

    select
        {% for place in digit_places -%}
        {{ place }}.digit * {{ 10 ** loop.index0 }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as day_offset
    from digits as {{ digit_places | first }}
    {% for place in digit_places[1:] -%}
    cross join digits as {{ place }}
    {% endfor %}

),

spine as (

    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_day') }} as date) as date_day
    from bounds
    cross join day_offsets
    where day_offsets.day_offset <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

-- ISO day of week (1 = Monday .. 7 = Sunday), counted from Monday 1900-01-01
days as (

    select
        date_day,
        mod(mod({{ dbt.datediff("cast('1900-01-01' as date)", 'date_day', 'day') }}, 7) + 7, 7) + 1 as day_of_week
    from spine

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        -- the ISO year is the year of the week's Thursday
        cast(extract(year from {{ dbt.dateadd('day', '4 - day_of_week', 'date_day') }}) as {{ dbt.type_int() }}) as iso_year,
        cast(extract(week from date_day) as {{ dbt.type_int() }}) as iso_week,
        cast(day_of_week as {{ dbt.type_int() }}) as day_of_week,
        case day_of_week
            {% for name in day_names -%}
            when {{ loop.index }} then '{{ name }}'
            {% endfor -%}
        end as day_name,
        day_of_week >= 6 as is_weekend
    from days

)

select * from final
