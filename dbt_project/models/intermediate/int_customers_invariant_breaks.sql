-- One row per customer and broken invariant: the figures Relance would show or dun this
-- customer on do not add up, so the customer is quarantined (dim_customer_360.is_quarantined)
-- and the planner skips it with rule data_quarantine, while every other customer is planned.
-- The same invariants are dbt tests on the marts at severity warn: they report, this model acts.
with invoices as (
    select * from {{ ref('int_invoices_lifecycle') }}
),
balances as (
    select * from {{ ref('int_customers_balances') }}
),
misapplied as (
    -- A payment recorded under one customer applied to another customer's invoice: the ERP's
    -- cash allocation is wrong, so neither customer's balance can be trusted.
    select
        payments.payment_id,
        payments.customer_id as payer_id,
        invoices.customer_id as owner_id
    from {{ ref('stg_erp__payments') }} as payments
    inner join {{ ref('stg_erp__invoices') }} as invoices
        on payments.invoice_id = invoices.invoice_id
    where payments.customer_id <> invoices.customer_id
),
unreconciled as (
    select
        customer_id,
        'invoice_does_not_reconcile' as invariant,
        count(*) || ' invoice(s) where open + paid + credited − overpaid ≠ invoiced' as detail
    from invoices
    where abs(open_amount + paid_amount + credited_amount - overpaid_amount - invoice_amount) >= 0.01
    group by 1
),
unsettled as (
    select
        customer_id,
        'settlement_state_mismatch' as invariant,
        count(*) || ' invoice(s) open with a settlement date, or settled without one' as detail
    from invoices
    where (open_amount = 0) <> (settled_on is not null)
    group by 1
),
unaged as (
    select
        customer_id,
        'aging_does_not_sum' as invariant,
        'aging buckets or overdue do not fit the open balance in '
        || {{ sorted_string_agg('currency_code', "', '") }} as detail
    from balances
    where
        overdue_balance > open_balance
        or abs(
            open_balance
            {% for bucket in aging_buckets() %}- balance_{{ bucket }}
            {% endfor %}
        ) >= 0.01
    group by 1
),
misapplied_customers as (
    select
        payer_id as customer_id,
        payment_id
    from misapplied
    union all
    select
        owner_id as customer_id,
        payment_id
    from misapplied
),
misallocated as (
    select
        customer_id,
        'payment_on_another_customers_invoice' as invariant,
        count(distinct payment_id) || ' payment(s) allocated across customers' as detail
    from misapplied_customers
    group by 1
),
final as (
    select
        breaks.*,
        {{ as_of_date() }} as as_of_date
    from (
        select * from unreconciled
        union all
        select * from unsettled
        union all
        select * from unaged
        union all
        select * from misallocated
    ) as breaks
)
select * from final
