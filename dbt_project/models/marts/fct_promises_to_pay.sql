-- One row per promise to pay of the as-of snapshot (the ERP's, the portal's and those read in
-- customers' e-mails) with whether a person confirmed it and whether it was kept.
select
    promise_id,
    invoice_id,
    customer_id,
    promise_source,
    source_ref,
    promised_on,
    promised_for,
    promised_for_stated,
    {{ money('promised_amount') }} as promised_amount,
    {{ money('paid_by_promised_date') }} as paid_by_promised_date,
    confirmation_status,
    promise_status,
    {{ as_of_date() }} as as_of_date
from {{ ref('int_promises_to_pay_evaluated') }}
