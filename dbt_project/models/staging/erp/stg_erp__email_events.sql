with source as (
    select * from {{ source('erp', 'email_events') }} where _partition = {{ as_of_date() }}
),
renamed as (
    select
        message_id,
        event as event_type,
        occurred_at
    from source
)
select * from renamed
