-- depends_on: {{ source('journeys', 'sendgrid_events') }}
with source as (
    {{ optional_source('journeys', 'sendgrid_events', {
        'sg_event_id': 'varchar', 'event': 'varchar', 'occurred_at': 'timestamp', 'message_id': 'varchar',
        'contact_id': 'varchar', 'machine_open': 'boolean'}) }}
),
renamed as (
    select
        sg_event_id,
        event as event_type,
        occurred_at,
        message_id,
        contact_id,
        coalesce(machine_open, false) as is_machine_open
    from source
)
select * from renamed
