{#-
    Whether each audit's accuracy figures may be published tonight, and if not, why.

    Every audit-sheet row is a sample unit: a rate computed from a sheet with rows missing is
    wrong, not approximate. An audit is held back when
      - a row of one of its sheets is quarantined, or a sheet is rejected (its latest attempt:
        a rejected correction holds the audit back even though the earlier version stays in raw);
      - it has no audit sheet (period, time limit), or two files of one sheet kind;
      - a force export its figures are matched against (the audit's force, export dates from
        the audit's period start on) lost more than CDI_MAX_QUARANTINE_SHARE of its rows (default
        1%) or was rejected: that is a change of shape, not a few bad rows, and the crimes or
        incidents it would have brought may be exactly the ones the audit looks for.
    Held-back audits keep the figures last published for them (the accuracy marts are
    incremental per audit) until their files are fixed.
-#}
{%- set audit_kinds = ['audit', 'incident_reviews', 'no_crime_reviews', 'disposal_reviews'] -%}

with

file_loads as (

    select * from {{ ref('stg_ops__file_loads') }}

),

quarantined_rows as (

    select * from {{ ref('stg_ops__quarantined_rows') }}

),

audits as (

    select * from {{ ref('stg_raw__audits') }}

),

-- every audit the warehouse has heard of: from its sheets' folders and from its audit sheet
audit_ids as (

    select distinct audit_id, force_id
    from file_loads
    where layout = 'audit' and status <> 'skipped'

    union

    select audit_id, force_id from audits

),

quarantine_details as (

    select
        load_id,
        {{ dbt.listagg(dbt.cast('source_row', dbt.type_string()), "', '", 'order by source_row', 10) }} as first_rows
    from quarantined_rows
    group by load_id

),

quarantine_reasons as (

    select
        load_id,
        {{ dbt.listagg('reason', "'; '", 'order by reason', 3) }} as first_reasons
    from (select distinct load_id, reason from quarantined_rows) as distinct_reasons
    group by load_id

),

-- files whose latest attempt lost rows, with what they lost
lossy_files as (

    select
        file_loads.*,
        case
            when file_loads.status = 'rejected'
                then file_loads.file_path || ' rejected: ' || coalesce(file_loads.message, 'unreadable')
            else file_loads.file_path || ': ' || {{ dbt.cast('file_loads.rows_quarantined', dbt.type_string()) }}
                || ' of ' || {{ dbt.cast('file_loads.rows_read', dbt.type_string()) }}
                || ' rows quarantined (rows ' || coalesce(quarantine_details.first_rows, '?')
                || case when file_loads.rows_quarantined > 10 then ', ...' else '' end
                || ': ' || coalesce(quarantine_reasons.first_reasons, '?') || ')'
        end as problem
    from file_loads
    left join quarantine_details
        on file_loads.load_id = quarantine_details.load_id
    left join quarantine_reasons
        on file_loads.load_id = quarantine_reasons.load_id
    where file_loads.status = 'rejected' or file_loads.rows_quarantined > 0

),

sheet_problems as (

    select audit_id, file_path, rows_quarantined, problem
    from lossy_files
    where layout = 'audit'

),

export_problems as (

    select
        audits.audit_id,
        lossy_files.file_path,
        lossy_files.rows_quarantined,
        lossy_files.problem || ', more than the '
            || {{ dbt.cast(dbt.cast("100 * " ~ max_quarantine_share(), 'decimal(6, 2)'), dbt.type_string()) }}
            || '% a force export may lose' as problem
    from audits
    inner join lossy_files
        on lossy_files.layout = 'force_export'
        and lossy_files.force_id = audits.force_id
        and lossy_files.export_date >= audits.period_start
    where lossy_files.status = 'rejected'
        or lossy_files.rows_quarantined > {{ max_quarantine_share() }} * lossy_files.rows_read

),

missing_audit_sheets as (

    select
        audit_ids.audit_id,
        cast(null as {{ dbt.type_string() }}) as file_path,
        cast(0 as {{ dbt.type_bigint() }}) as rows_quarantined,
        'no audit sheet (audit.csv or audit.xlsx) loaded: its period and time limit are unknown' as problem
    from audit_ids
    left join audits
        on audit_ids.audit_id = audits.audit_id
    where audits.audit_id is null

),

repeated_sheets as (

    select
        audit_id,
        min(file_path) as file_path,
        cast(0 as {{ dbt.type_bigint() }}) as rows_quarantined,
        {{ dbt.cast('count(*)', dbt.type_string()) }} || ' ' || kind || ' files ('
            || {{ dbt.listagg('file_path', "', '", 'order by file_path') }}
            || '): one sheet of each kind per audit' as problem
    from file_loads
    where layout = 'audit' and status = 'loaded'
    group by audit_id, kind
    having count(*) > 1

),

problems as (

    select * from sheet_problems
    union all
    select * from export_problems
    union all
    select * from missing_audit_sheets
    union all
    select * from repeated_sheets

),

final as (

    select
        audit_ids.audit_id,
        audit_ids.force_id,
        case when count(problems.problem) = 0 then 'published' else 'held_back' end as status,
        {{ dbt.listagg('problems.problem', "'; '", 'order by problems.problem') }} as reason,
        cast(coalesce(sum(problems.rows_quarantined), 0) as {{ dbt.type_bigint() }}) as rows_quarantined,
        {{ dbt.listagg('problems.file_path', "', '", 'order by problems.file_path') }} as files

    from audit_ids
    left join problems
        on audit_ids.audit_id = problems.audit_id
    group by audit_ids.audit_id, audit_ids.force_id

)

select * from final
