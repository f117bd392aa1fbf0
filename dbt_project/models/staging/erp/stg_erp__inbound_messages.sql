with source as (
    select * from {{ source('erp', 'inbound_messages') }} where _partition = {{ as_of_date() }}
),
renamed as (
    select
        inbound_id,
        lower(from_email) as from_email,
        customer_id,
        received_at,
        subject,
        body,
        category
    from source
)
select * from renamed
