-- depends_on: {{ source('journeys', 'portal_events') }}
with source as (
    {{ optional_source('journeys', 'portal_events', {
        'event_id': 'varchar', 'customer_id': 'varchar', 'kind': 'varchar', 'invoice_id': 'varchar',
        'payload': 'json', 'occurred_at': 'timestamp'}) }}
),
renamed as (
    select
        event_id,
        customer_id,
        kind,
        invoice_id,
        payload,
        occurred_at
    from source
)
select * from renamed
