-- depends_on: {{ source('journeys', 'commitment_decisions') }}
with source as (
    {{ optional_source('journeys', 'commitment_decisions', {
        'decision_id': 'bigint', 'item_kind': 'varchar', 'item_id': 'varchar', 'decision': 'varchar',
        'decided_by': 'varchar', 'decided_at': 'timestamp', 'note': 'varchar'}) }}
),
renamed as (
    select
        decision_id,
        item_kind,
        item_id,
        decision,
        decided_by,
        decided_at
    from source
)
select * from renamed
