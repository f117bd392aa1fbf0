-- Every promise to pay — the ERP's, the portal's and those read in customers' e-mails — with
-- whether a person confirmed it and whether it was kept. The ERP's and the portal's are confirmed
-- (the customer committed in their own words, on a form); one read in an e-mail awaits a person's
-- confirmation in the cockpit unless it was accepted automatically (a setting), and a rejected
-- one counts for nothing. A confirmed promise is kept when payments received between the promise
-- and the promised date cover the promised amount; broken when the date passed without it;
-- pending until then.
with erp_promises as (
    select
        promises.promise_id,
        promises.invoice_id,
        invoices.customer_id,
        'erp' as promise_source,
        promises.promise_id as source_ref,
        promises.promised_on,
        promises.promised_for,
        true as promised_for_stated,
        promises.promised_amount,
        'confirmed' as confirmation_status
    from {{ ref('stg_erp__promises_to_pay') }} as promises
    join {{ ref('stg_erp__invoices') }} as invoices using (invoice_id)
),
decisions as (
    select item_id as source_ref, decision
    from {{ ref('int_commitment_decisions_latest') }}
    where item_kind = 'promise'
),
customer_promises as (
    select
        commitments.commitment_source || '-' || commitments.source_ref || '-' || commitments.invoice_id as promise_id,
        commitments.invoice_id,
        commitments.customer_id,
        commitments.commitment_source as promise_source,
        commitments.source_ref,
        cast(commitments.made_at as date) as promised_on,
        commitments.promise_date as promised_for,
        commitments.promise_date_stated as promised_for_stated,
        commitments.promised_amount,
        case
            when decisions.decision = 'rejected' then 'rejected'
            when decisions.decision = 'confirmed' or commitments.accepted_automatically then 'confirmed'
            else 'awaiting_confirmation'
        end as confirmation_status
    from {{ ref('int_customer_commitments') }} as commitments
    left join decisions using (source_ref)
    where commitments.commitment_kind = 'promise'
),
promises as (
    select * from erp_promises
    union all
    select * from customer_promises
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
        promises.*,
        coalesce(paid_in_time.paid_by_promised_date, 0) as paid_by_promised_date,
        case
            when promises.confirmation_status != 'confirmed' then promises.confirmation_status
            when coalesce(paid_in_time.paid_by_promised_date, 0) >= promises.promised_amount then 'kept'
            when promises.promised_for < {{ as_of_date() }} then 'broken'
            else 'pending'
        end as promise_status
    from promises
    left join paid_in_time using (promise_id)
)
select * from final
