{#-
    Which nights loaded what: one row per run, force, export date (or audit) and kind, summed
    over the landing files that run attempted. A view over ops.load_log (one row per file
    attempt, small): no copy to grow with history, and it is current even on a night whose
    dbt build did not run (a blocked night's loads show in the working warehouse).
-#}
{{ config(materialized='view') }}

with

load_attempts as (

    select * from {{ ref('stg_ops__load_attempts') }}

),

final as (

    select
        force_id,
        layout,
        export_date,
        audit_id,
        kind,
        run_id,
        {{ dbt.cast('count(*)', dbt.type_bigint()) }} as files,
        {{ count_where("status = 'loaded'") }} as files_loaded,
        {{ count_where("status = 'skipped'") }} as files_skipped,
        {{ count_where("status = 'rejected'") }} as files_rejected,
        {{ count_where("status = 'ignored'") }} as files_ignored,
        {{ dbt.cast('sum(rows_read)', dbt.type_bigint()) }} as rows_read,
        {{ dbt.cast('sum(rows_loaded)', dbt.type_bigint()) }} as rows_loaded,
        {{ dbt.cast('sum(rows_quarantined)', dbt.type_bigint()) }} as rows_quarantined,
        -- the worst outcome among the files: a rejected or ignored file is what needs a look
        case
            when {{ count_where("status = 'rejected'") }} > 0 then 'rejected'
            when {{ count_where("status = 'ignored'") }} > 0 then 'ignored'
            when {{ count_where("status = 'loaded'") }} > 0 then 'loaded'
            else 'skipped'
        end as status,
        min(started_at) as started_at,
        max(finished_at) as loaded_at

    from load_attempts
    group by force_id, layout, export_date, audit_id, kind, run_id

)

select * from final
