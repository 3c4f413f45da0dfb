{#-
    One row per audit the warehouse has heard of: are its figures published tonight, and if
    not, why (the quarantined rows, rejected sheets or damaged force exports, named by file and
    row), and which figures readers see instead: the ones last published for it, or none.
-#}
with

statuses as (

    select * from {{ ref('int_audit_statuses') }}

),

-- recording_accuracy keeps a held-back audit's last published rows (incremental per audit)
audits_with_figures as (

    select distinct audit_id from {{ ref('recording_accuracy') }}

),

final as (

    select
        statuses.force_id,
        statuses.audit_id,
        statuses.status,
        statuses.reason,
        statuses.rows_quarantined,
        statuses.files,
        case
            when statuses.status = 'published' then 'tonight'
            when audits_with_figures.audit_id is not null then 'previous'
            else 'none'
        end as figures_shown

    from statuses
    left join audits_with_figures
        on statuses.audit_id = audits_with_figures.audit_id

)

select * from final
