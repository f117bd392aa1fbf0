-- Each invoice's state as of the partition date: what was paid and credited, what is open,
-- how late it is or was, and whether it is in dispute or under a promise to pay.
with invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),
payments as (
    select invoice_id, sum(payment_amount) as paid_amount, count(*) as payment_count,
           min(payment_date) as first_payment_on, max(payment_date) as last_payment_on
    from {{ ref('stg_erp__payments') }}
    where not is_unapplied
    group by 1
),
credits as (
    select invoice_id, sum(credit_amount) as credited_amount, max(credited_on) as last_credit_on
    from {{ ref('stg_erp__credit_notes') }}
    group by 1
),
disputes as (
    -- the ERP's and the customers' own (portal, e-mail): any open one pauses the invoice
    select invoice_id, count(*) as dispute_count,
           count(*) filter (where resolved_on is null) > 0 as is_in_dispute,
           sum(case when resolved_on is null then disputed_amount else 0 end) as open_disputed_amount,
           max(case when resolved_on is null then dispute_reason end) as open_dispute_reason,
           max(case when resolved_on is null then dispute_source end) as open_dispute_source
    from {{ ref('int_disputes_unioned') }}
    group by 1
),
promises as (
    select invoice_id, count(*) filter (where promise_status = 'pending') > 0 as has_active_promise,
           max(case when promise_status = 'pending' then promised_for end) as active_promise_date,
           max(case when promise_status = 'broken' then promised_for end) as last_broken_promise_date
    from {{ ref('int_promises_to_pay_evaluated') }}
    group by 1
),
amounts as (
    select
        invoices.*,
        {{ money('coalesce(payments.paid_amount, 0)') }} as paid_amount,
        {{ money('coalesce(credits.credited_amount, 0)') }} as credited_amount,
        invoices.invoice_amount - coalesce(payments.paid_amount, 0) - coalesce(credits.credited_amount, 0) as balance,
        coalesce(payments.payment_count, 0) as payment_count,
        payments.first_payment_on,
        payments.last_payment_on,
        credits.last_credit_on,
        coalesce(disputes.dispute_count, 0) as dispute_count,
        coalesce(disputes.is_in_dispute, false) as is_in_dispute,
        {{ money('coalesce(disputes.open_disputed_amount, 0)') }} as open_disputed_amount,
        disputes.open_dispute_reason,
        disputes.open_dispute_source,
        coalesce(promises.has_active_promise, false) as has_active_promise,
        promises.active_promise_date,
        promises.last_broken_promise_date
    from invoices
    left join payments using (invoice_id)
    left join credits using (invoice_id)
    left join disputes using (invoice_id)
    left join promises using (invoice_id)
),
settled as (
    select
        amounts.*,
        {{ money('case when balance > 0 then balance else 0 end') }} as open_amount,
        {{ money('case when balance < 0 then -balance else 0 end') }} as overpaid_amount,
        case when balance <= 0 then
            case when last_credit_on is null then last_payment_on
                 when last_payment_on is null then last_credit_on
                 else greatest(last_payment_on, last_credit_on) end
        end as settled_on
    from amounts
),
final as (
    select
        invoice_id,
        customer_id,
        currency_code,
        issue_date,
        due_date,
        po_number,
        invoice_amount,
        paid_amount,
        credited_amount,
        open_amount,
        overpaid_amount,
        case
            when credited_amount >= invoice_amount then 'credited'
            when open_amount = 0 then 'paid'
            when paid_amount > 0 or credited_amount > 0 then 'partially_paid'
            else 'open'
        end as invoice_status,
        payment_count,
        first_payment_on,
        settled_on,
        {{ days_between('due_date', 'settled_on') }} as days_late_at_settlement,
        {{ days_between('issue_date', 'settled_on') }} as days_to_pay,
        case when open_amount > 0 and due_date < {{ as_of_date() }}
             then {{ days_between('due_date', as_of_date()) }} else 0 end as days_past_due,
        {{ aging_bucket("case when open_amount > 0 then " ~ days_between('due_date', as_of_date()) ~ " else 0 end") }} as aging_bucket,
        dispute_count,
        is_in_dispute,
        open_disputed_amount,
        open_dispute_reason,
        open_dispute_source,
        has_active_promise,
        active_promise_date,
        last_broken_promise_date,
        {{ as_of_date() }} as as_of_date
    from settled
)
select * from final
