{{ config(tags=['after_journeys']) }}
-- What the machine did with each inbound request it read (journeys.inbound_replies): answered it
-- (an automatic reply in the outbox), honoured an unsubscribe that needed no reply, or left it to
-- people with the reason. The collector worklist lists only the requests not handled here.
select
    cast(inbound_id as {{ sql_type('varchar') }}) as inbound_id,
    cast(decided_on as date) as decided_on,
    cast(customer_id as {{ sql_type('varchar') }}) as customer_id,
    cast(contact_id as {{ sql_type('varchar') }}) as contact_id,
    cast(category as {{ sql_type('varchar') }}) as category,
    cast(status as {{ sql_type('varchar') }}) as status,
    cast(status <> 'to_person' as boolean) as handled_automatically,
    cast(reply_message_id as {{ sql_type('varchar') }}) as reply_message_id,
    cast(reason as {{ sql_type('varchar') }}) as reason,
    cast(decided_at as timestamp) as decided_at,
    {{ as_of_date() }} as as_of_date
from {{ ref('stg_journeys__inbound_replies') }}
