{#- The rows each load quarantined: file, row number and reason (not the record itself). -#}
select
    load_id,
    file_path,
    source_row,
    reason
from {{ source('ops', 'quarantine') }}
