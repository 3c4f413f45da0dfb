-- Every code in the offence_codes seed is already in normalised form, so the normalised codes of
-- crimes and audit sheets join to it. Returns the codes that are not.
select offence_code
from {{ ref('offence_codes') }}
where offence_code is null
    or offence_code <> {{ normalise_offence_code('offence_code') }}
