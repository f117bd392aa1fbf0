-- Every contact a message may be addressed to: the ERP's, and each billing contact a customer
-- gave on the portal (newest last). A portal update replaces the customer's billing address: the
-- ERP's billing, accounts-payable and primary contacts and any earlier portal contact are kept,
-- with the time they were replaced (superseded_at), and int_contacts_suppression stops e-mail to
-- them; the new contact is the primary one.
with erp_contacts as (
    select
        contact_id,
        customer_id,
        email,
        full_name,
        contact_role,
        is_primary,
        opted_out_at,
        contact_timezone,
        'erp' as contact_source,
        cast(null as timestamp) as provided_at
    from {{ ref('stg_erp__contacts') }}
),
portal_contacts as (
    select
        'portal-' || event_id as contact_id,
        customer_id,
        lower({{ json_text('payload', 'email') }}) as email,
        {{ json_text('payload', 'name') }} as full_name,
        'billing' as contact_role,
        true as is_primary,
        cast(null as timestamp) as opted_out_at,
        cast(null as {{ sql_type('varchar') }}) as contact_timezone,
        'portal' as contact_source,
        occurred_at as provided_at
    from {{ ref('stg_journeys__portal_events') }}
    where kind = 'billing_contact' and occurred_at < {{ dbt.dateadd('day', 1, as_of_date()) }}
),
contacts as (
    select * from erp_contacts
    union all
    select * from portal_contacts
),
updates as (
    select customer_id, provided_at from portal_contacts
),
replaced as (
    -- the first portal update after the contact was known replaces a billing or primary contact
    select contacts.contact_id, min(updates.provided_at) as superseded_at
    from contacts
    join updates
      on updates.customer_id = contacts.customer_id
     and (contacts.provided_at is null or updates.provided_at > contacts.provided_at)
    where contacts.contact_source = 'portal' or contacts.contact_role in ('billing', 'accounts_payable')
       or contacts.is_primary
    group by 1
)
select
    contacts.contact_id,
    contacts.customer_id,
    contacts.email,
    contacts.full_name,
    contacts.contact_role,
    contacts.is_primary and replaced.superseded_at is null as is_primary,
    contacts.opted_out_at,
    contacts.contact_timezone,
    contacts.contact_source,
    replaced.superseded_at
from contacts
left join replaced using (contact_id)
