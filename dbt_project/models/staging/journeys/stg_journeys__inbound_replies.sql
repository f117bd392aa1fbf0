{{ config(tags=['after_journeys']) }}
-- depends_on: {{ source('journeys', 'inbound_replies') }}
with source as (
    {{ optional_source('journeys', 'inbound_replies', {
        'inbound_id': 'varchar', 'as_of_date': 'date', 'customer_id': 'varchar', 'contact_id': 'varchar',
        'category': 'varchar', 'status': 'varchar', 'reply_message_id': 'varchar', 'reason': 'varchar',
        'decided_at': 'timestamp'}) }}
),
renamed as (
    select
        inbound_id,
        as_of_date as decided_on,
        customer_id,
        contact_id,
        category,
        status,
        reply_message_id,
        reason,
        decided_at
    from source
)
select * from renamed
