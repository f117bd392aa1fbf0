-- depends_on: {{ source('journeys', 'inbound_commitments') }}
with source as (
    {{ optional_source('journeys', 'inbound_commitments', {
        'inbound_id': 'varchar', 'commitment_kind': 'varchar', 'promise_date': 'date', 'promise_date_stated': 'boolean',
        'promise_amount': 'double precision', 'triaged_as_of': 'date', 'accepted_automatically': 'boolean',
        'landed_at': 'timestamp'}) }}
),
renamed as (
    select
        inbound_id,
        commitment_kind,
        promise_date,
        coalesce(promise_date_stated, false) as promise_date_stated,
        promise_amount,
        triaged_as_of,
        coalesce(accepted_automatically, false) as accepted_automatically
    from source
)
select * from renamed
