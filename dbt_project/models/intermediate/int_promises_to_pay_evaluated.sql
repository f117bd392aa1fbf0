-- A promise is kept when payments received between the promise and the promised date cover the
-- promised amount (or the invoice was settled by then); broken when the date passed without it;
-- pending until then.
with promises as (
    select * from {{ ref('stg_erp__promises_to_pay') }}
),
invoices as (
    select invoice_id, customer_id from {{ ref('stg_erp__invoices') }}
),
paid_in_time as (
    select promises.promise_id, sum(payments.payment_amount) as paid_by_promised_date
    from promises
    join {{ ref('stg_erp__payments') }} as payments
      on payments.invoice_id = promises.invoice_id
     and payments.payment_date >= promises.promised_on
     and payments.payment_date <= promises.promised_for
    group by 1
),
final as (
    select
        promises.promise_id,
        promises.invoice_id,
        invoices.customer_id,
        promises.promised_on,
        promises.promised_for,
        promises.promised_amount,
        coalesce(paid_in_time.paid_by_promised_date, 0) as paid_by_promised_date,
        case
            when coalesce(paid_in_time.paid_by_promised_date, 0) >= promises.promised_amount then 'kept'
            when promises.promised_for < {{ as_of_date() }} then 'broken'
            else 'pending'
        end as promise_status
    from promises
    join invoices using (invoice_id)
    left join paid_in_time using (promise_id)
)
select * from final
