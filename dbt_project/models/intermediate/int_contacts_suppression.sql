-- One row per contact: whether its address may be e-mailed, and why not. The one definition the
-- 360, the planner and the rule audit share. An address is suppressed by an opt-out recorded in
-- the ERP, an unsubscribe or a spam report (for good), or a bounce or drop not followed by a
-- successful delivery (a later delivery proves the address works again). Events come from the
-- ERP's e-mail history and from SendGrid's webhook (our own messages), whichever saw them first;
-- a customer who unsubscribes on the portal unsubscribes every address of theirs. An address the
-- customer replaced on the portal (int_contacts_unioned.superseded_at) is no longer written to.
with contacts as (
    select * from {{ ref('int_contacts_unioned') }}
),
events as (
    select history.contact_id, email_events.event_type, email_events.occurred_at
    from {{ ref('stg_erp__email_events') }} as email_events
    join {{ ref('stg_erp__contact_history') }} as history using (message_id)
    union all
    select contact_id, event_type, occurred_at
    from {{ ref('stg_journeys__sendgrid_events') }}
    where contact_id is not null
    union all
    select contacts.contact_id, 'unsubscribe' as event_type, portal.occurred_at
    from {{ ref('stg_journeys__portal_events') }} as portal
    join contacts using (customer_id)
    where portal.kind = 'unsubscribe'
),
per_contact as (
    select
        contact_id,
        min(occurred_at) filter (where event_type in ('unsubscribe', 'group_unsubscribe')) as unsubscribed_at,
        min(occurred_at) filter (where event_type = 'spamreport') as spam_reported_at,
        max(occurred_at) filter (where event_type in ('bounce', 'dropped')) as last_bounced_at,
        max(occurred_at) filter (where event_type = 'delivered') as last_delivered_at
    from events
    group by 1
),
flagged as (
    select
        contacts.contact_id,
        contacts.customer_id,
        contacts.email like '%@%' as has_email_address,
        contacts.opted_out_at,
        contacts.superseded_at,
        per_contact.unsubscribed_at,
        per_contact.spam_reported_at,
        per_contact.last_bounced_at,
        per_contact.last_delivered_at,
        per_contact.last_bounced_at is not null
        and (per_contact.last_delivered_at is null or per_contact.last_delivered_at <= per_contact.last_bounced_at)
            as is_bouncing
    from contacts
    left join per_contact using (contact_id)
),
final as (
    select
        contact_id,
        customer_id,
        case
            when opted_out_at is not null then 'opted_out'
            when unsubscribed_at is not null then 'unsubscribed'
            when spam_reported_at is not null then 'spam_report'
            when is_bouncing then 'bounced'
            when superseded_at is not null then 'replaced_by_customer'
        end as suppression_reason,
        case
            when opted_out_at is not null then opted_out_at
            when unsubscribed_at is not null then unsubscribed_at
            when spam_reported_at is not null then spam_reported_at
            when is_bouncing then last_bounced_at
            when superseded_at is not null then superseded_at
        end as suppressed_since,
        coalesce(has_email_address, false) as has_email_address
    from flagged
)
select
    contact_id,
    customer_id,
    suppression_reason is not null as is_suppressed,
    suppression_reason,
    suppressed_since,
    has_email_address,
    has_email_address and suppression_reason is null as is_emailable
from final
