with source as (
    {{ erp_snapshot('email_events') }}
),
renamed as (
    select
        message_id,
        event as event_type,
        occurred_at
    from source
)
select * from renamed
