-- One row per contact as of the partition date: who a reminder can be addressed to, with the
-- address suppression of int_contacts_suppression. What delivery, the planner and the audit read.
-- A billing contact the customer gave on the portal is a row of its own; the one it replaced stays,
-- suppressed as replaced_by_customer since superseded_at (the history of addresses).
select
    contacts.contact_id,
    contacts.customer_id,
    contacts.email,
    contacts.full_name,
    -- `role` is the contract's word for a contact's role, which the journeys read
    contacts.contact_role as role,  -- noqa: RF04
    contacts.is_primary,
    contacts.contact_timezone as timezone,
    contacts.opted_out_at,
    contacts.contact_source,
    contacts.superseded_at,
    suppression.is_suppressed,
    suppression.suppression_reason,
    suppression.suppressed_since,
    suppression.is_emailable,
    {{ as_of_date() }} as as_of_date
from {{ ref('int_contacts_unioned') }} as contacts
join {{ ref('int_contacts_suppression') }} as suppression using (contact_id)
