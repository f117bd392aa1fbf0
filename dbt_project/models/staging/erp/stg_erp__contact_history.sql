with source as (
    select * from {{ source('erp', 'contact_history') }} where _partition = {{ as_of_date() }}
),
renamed as (
    select
        message_id,
        customer_id,
        contact_id,
        invoice_id,
        channel,
        sent_at,
        journey,
        step as journey_step,
        tone,
        incentive,
        variant
    from source
)
select * from renamed
