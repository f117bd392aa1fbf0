-- One row per payment line (payment × invoice), with timing against the invoice's due date.
with payments as (
    select * from {{ ref('stg_erp__payments') }}
),
invoices as (
    select invoice_id, due_date, invoice_amount, payment_count from {{ ref('int_invoices_lifecycle') }}
),
final as (
    select
        payments.payment_id,
        payments.invoice_id,
        payments.customer_id,
        payments.payment_date,
        payments.payment_amount,
        payments.currency_code,
        payments.payment_method,
        payments.is_unapplied,
        invoices.payment_count > 1 as is_partial,
        {{ days_between('invoices.due_date', 'payments.payment_date') }} as days_after_due,
        {{ as_of_date() }} as as_of_date
    from payments
    left join invoices using (invoice_id)
)
select * from final
