{#-
    The current state of every landing file: its latest load (a file loaded again after a
    correction, or rejected after an earlier good version, is judged by its latest attempt),
    with what its path says (force, export date or audit; read in stg_ops__load_attempts).
-#}
with

load_attempts as (

    select
        *,
        row_number() over (partition by file_path order by load_id desc) as attempt_recency
    from {{ ref('stg_ops__load_attempts') }}

),

final as (

    select
        load_id,
        file_path,
        kind,
        layout,
        force_id,
        export_date,
        audit_id,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        message,
        finished_at as attempted_at

    from load_attempts
    where attempt_recency = 1

)

select * from final
