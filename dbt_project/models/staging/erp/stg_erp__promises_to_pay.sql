with source as (
    {{ erp_snapshot('promises_to_pay') }}
),
renamed as (
    select
        promise_id,
        invoice_id,
        created_at as promised_on,
        promised_date as promised_for,
        amount as promised_amount
    from source
)
select * from renamed
