with source as (
    select * from {{ source('erp', 'invoices') }} where _partition = {{ as_of_date() }}
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
