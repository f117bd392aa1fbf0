-- One row per promise to pay of the as-of snapshot with whether it was kept.
select
    promise_id,
    invoice_id,
    customer_id,
    promised_on,
    promised_for,
    {{ money('promised_amount') }} as promised_amount,
    {{ money('paid_by_promised_date') }} as paid_by_promised_date,
    promise_status,
    {{ as_of_date() }} as as_of_date
from {{ ref('int_promises_to_pay_evaluated') }}
