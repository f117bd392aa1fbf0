-- One row per dispute of the as-of snapshot (open or resolved).
select
    disputes.dispute_id,
    disputes.invoice_id,
    invoices.customer_id,
    disputes.opened_on,
    disputes.resolved_on,
    disputes.dispute_reason,
    {{ money('disputes.disputed_amount') }} as disputed_amount,
    disputes.resolved_on is null as is_open,
    {{ as_of_date() }} as as_of_date
from {{ ref('stg_erp__disputes') }} as disputes
left join {{ ref('stg_erp__invoices') }} as invoices using (invoice_id)
