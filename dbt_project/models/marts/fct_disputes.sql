-- One row per dispute of the as-of snapshot (open or resolved): the ERP's and those customers
-- opened on the portal or in an e-mail (dispute_source).
select
    dispute_id,
    invoice_id,
    customer_id,
    dispute_source,
    source_ref,
    opened_on,
    resolved_on,
    dispute_reason,
    {{ money('disputed_amount') }} as disputed_amount,
    resolved_on is null as is_open,
    {{ as_of_date() }} as as_of_date
from {{ ref('int_disputes_unioned') }}
