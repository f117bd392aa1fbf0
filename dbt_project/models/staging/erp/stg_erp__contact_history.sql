with source as (
    {{ erp_snapshot('contact_history') }}
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
