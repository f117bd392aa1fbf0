-- One row per collections touch with its outcomes.
select
    message_id, customer_id, contact_id, invoice_id, channel, sent_at, sent_at_local, timezone, journey, journey_step,
    tone, incentive, variant, was_delivered, was_bounced, was_opened, first_opened_at, first_opened_local,
    was_clicked, was_unsubscribed, was_replied, was_replied_24h, paid_within_7d, {{ as_of_date() }} as as_of_date
from {{ ref('int_contacts_outcomes') }}
