-- One row per customer e-mail of the as-of snapshot, with its customer (the ERP's, else the one
-- its sender address belongs to) and the ERP's category when labelled: what the inbound triage
-- learns from and scores (ml/inbound/triage.py), and the customer's contact who sent it (what an
-- automatic reply is addressed to: journeys/replies.py).
select
    inbound_id,
    customer_id,
    contact_id,
    customer_resolved_from_email,
    received_at,
    subject,
    body,
    category,
    {{ as_of_date() }} as as_of_date
from {{ ref('int_inbound_messages_resolved') }}
