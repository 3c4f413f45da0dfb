{#- The audits whose figures may be published tonight (int_audit_statuses says why others are not). -#}
select audits.*
from {{ ref('stg_raw__audits') }} as audits
inner join {{ ref('int_audit_statuses') }} as statuses
    on audits.audit_id = statuses.audit_id
where statuses.status = 'published'
