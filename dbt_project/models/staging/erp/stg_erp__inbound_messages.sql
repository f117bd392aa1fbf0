with source as (
    {{ erp_snapshot('inbound_messages') }}
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
