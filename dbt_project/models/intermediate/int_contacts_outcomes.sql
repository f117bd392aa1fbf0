-- Each outbound touch with what followed: delivery, opens (in the contact's own time zone),
-- clicks, bounces, unsubscribes, a reply within 3 days (and within 24 hours, what the send-time
-- model learns from), payment of the invoice within 7 days.
with touches as (
    select * from {{ ref('stg_erp__contact_history') }}
),
events as (
    select
        message_id,
        count(*) filter (where event_type = 'delivered') > 0 as was_delivered,
        count(*) filter (where event_type = 'bounce' or event_type = 'dropped') > 0 as was_bounced,
        min(case when event_type = 'open' then occurred_at end) as first_opened_at,
        count(*) filter (where event_type = 'click') > 0 as was_clicked,
        count(*) filter (where event_type in ('unsubscribe', 'group_unsubscribe', 'spamreport')) > 0 as was_unsubscribed
    from {{ ref('stg_erp__email_events') }}
    group by 1
),
zones as (
    select contacts.contact_id, coalesce(contacts.contact_timezone, customers.timezone) as timezone
    from {{ ref('stg_erp__contacts') }} as contacts
    join {{ ref('stg_erp__customers') }} as customers using (customer_id)
),
replies as (
    select
        touches.message_id,
        count(inbound.inbound_id) > 0 as was_replied,
        count(inbound.inbound_id) filter (
            where inbound.received_at <= {{ dbt.dateadd('hour', 24, 'touches.sent_at') }}) > 0 as was_replied_24h
    from touches
    join {{ ref('int_inbound_messages_resolved') }} as inbound
      on inbound.customer_id = touches.customer_id
     and inbound.received_at > touches.sent_at
     and inbound.received_at <= {{ dbt.dateadd('day', 3, 'touches.sent_at') }}
    group by 1
),
final as (
    select
        touches.*,
        zones.timezone,
        {{ to_local_time('touches.sent_at', 'zones.timezone') }} as sent_at_local,
        coalesce(events.was_delivered, false) as was_delivered,
        coalesce(events.was_bounced, false) as was_bounced,
        events.first_opened_at is not null as was_opened,
        events.first_opened_at,
        {{ to_local_time('events.first_opened_at', 'zones.timezone') }} as first_opened_local,
        coalesce(events.was_clicked, false) as was_clicked,
        coalesce(events.was_unsubscribed, false) as was_unsubscribed,
        coalesce(replies.was_replied, false) as was_replied,
        coalesce(replies.was_replied_24h, false) as was_replied_24h,
        invoices.settled_on is not null
            and invoices.settled_on >= cast(touches.sent_at as date)
            and {{ days_between('cast(touches.sent_at as date)', 'invoices.settled_on') }} <= 7 as paid_within_7d
    from touches
    left join events using (message_id)
    left join zones using (contact_id)
    left join replies using (message_id)
    left join {{ ref('int_invoices_lifecycle') }} as invoices on invoices.invoice_id = touches.invoice_id
)
select * from final
