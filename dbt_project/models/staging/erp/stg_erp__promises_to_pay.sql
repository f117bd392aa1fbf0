with source as (
    select * from {{ source('erp', 'promises_to_pay') }} where _partition = {{ as_of_date() }}
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
