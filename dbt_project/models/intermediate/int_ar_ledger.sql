-- Every movement of receivables per invoice: the invoice (+), payments applied to it and credit
-- notes (−). Summing up to a date gives the invoice's open balance on that date. Unapplied cash
-- is not here: it is reported per customer, not netted into invoice-level AR.
with invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),
movements as (
    select invoice_id, customer_id, currency_code, issue_date as movement_date,
           invoice_amount as amount, 'invoice' as movement_type
    from invoices
    union all
    select payments.invoice_id, invoices.customer_id, invoices.currency_code, payments.payment_date,
           -payments.payment_amount, 'payment'
    from {{ ref('stg_erp__payments') }} as payments
    join invoices using (invoice_id)
    union all
    select credits.invoice_id, invoices.customer_id, invoices.currency_code, credits.credited_on,
           -credits.credit_amount, 'credit_note'
    from {{ ref('stg_erp__credit_notes') }} as credits
    join invoices using (invoice_id)
)
select * from movements
