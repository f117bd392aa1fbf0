-- One row per contact as of the partition date: who a reminder can be addressed to, with the
-- address suppression of int_contacts_suppression. What delivery, the planner and the audit read.
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
    suppression.is_suppressed,
    suppression.suppression_reason,
    suppression.suppressed_since,
    suppression.is_emailable,
    {{ as_of_date() }} as as_of_date
from {{ ref('stg_erp__contacts') }} as contacts
join {{ ref('int_contacts_suppression') }} as suppression using (contact_id)
