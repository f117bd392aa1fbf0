with source as (
    {{ erp_snapshot('payments') }}
),
renamed as (
    select
        payment_id,
        customer_id,
        invoice_id,
        payment_date,
        amount as payment_amount,
        currency as currency_code,
        method as payment_method,
        invoice_id is null as is_unapplied
    from source
)
select * from renamed
