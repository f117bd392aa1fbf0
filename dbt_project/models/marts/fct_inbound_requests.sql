{{ config(tags=['after_scoring']) }}
-- depends_on: {{ source('ml', 'inbound_triage') }}
-- The inbound triage of the partition date: one row per recent customer e-mail the triage read
-- (ml.inbound_triage), with its customer and the contact who sent it. What the automatic replies
-- (journeys/replies.py) and the people's worklist read; the ERP's own label stays on
-- fct_inbound_messages.
with triage as (
    {{ ml_scores('inbound_triage', {'inbound_id': 'varchar', 'category': 'varchar',
                                    'secondary_category': 'varchar', 'confidence': 'double precision',
                                    'language': 'varchar', 'language_mixed': 'boolean',
                                    'promise_date': 'timestamp', 'promise_amount': 'double precision',
                                    'sentiment': 'double precision', 'priority': 'double precision',
                                    'reason': 'varchar'}) }}
)
-- Explicit casts: before the triage's first champion the source is absent and its columns are
-- typed nulls, which the contract check would otherwise see as NULL-typed.
select
    cast(triage.inbound_id as {{ sql_type('varchar') }}) as inbound_id,
    messages.customer_id,
    messages.contact_id,
    messages.received_at,
    cast(triage.category as {{ sql_type('varchar') }}) as category,
    cast(triage.secondary_category as {{ sql_type('varchar') }}) as secondary_category,
    cast(triage.confidence as {{ sql_type('double precision') }}) as confidence,
    cast(triage.language as {{ sql_type('varchar') }}) as language_code,
    cast(triage.language_mixed as boolean) as language_mixed,
    cast(triage.promise_date as date) as promise_date,
    cast(triage.promise_amount as {{ sql_type('double precision') }}) as promise_amount,
    cast(triage.sentiment as {{ sql_type('double precision') }}) as sentiment,
    cast(triage.priority as {{ sql_type('double precision') }}) as priority,
    cast(triage.reason as {{ sql_type('varchar') }}) as reason,
    {{ as_of_date() }} as as_of_date
from triage
join {{ ref('fct_inbound_messages') }} as messages on messages.inbound_id = triage.inbound_id
