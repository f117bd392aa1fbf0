with source as (
    {{ erp_snapshot('invoices') }}
),
renamed as (
    select
        invoice_id,
        customer_id,
        issue_date,
        due_date,
        amount as invoice_amount,
        currency as currency_code,
        po_number
    from source
)
select * from renamed
