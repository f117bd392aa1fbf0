-- Inbound e-mails with their customer: the ERP's when given, else the one whose contact sent it
-- (only when that address belongs to a single customer), and the contact of that customer who sent
-- it: the only address an automatic reply may go to (journeys/replies.py).
with inbound as (
    select * from {{ ref('stg_erp__inbound_messages') }}
),
addresses as (
    select lower(email) as email, min(customer_id) as customer_id
    from {{ ref('stg_erp__contacts') }}
    group by 1
    having count(distinct customer_id) = 1
),
senders as (
    select lower(email) as email, customer_id, min(contact_id) as contact_id
    from {{ ref('stg_erp__contacts') }}
    group by 1, 2
),
resolved as (
    select
        inbound.*,
        coalesce(inbound.customer_id, addresses.customer_id) as resolved_customer_id,
        inbound.customer_id is null and addresses.customer_id is not null as customer_resolved_from_email
    from inbound
    left join addresses on addresses.email = inbound.from_email
),
final as (
    select
        resolved.inbound_id,
        resolved.resolved_customer_id as customer_id,
        senders.contact_id,
        resolved.customer_resolved_from_email,
        resolved.received_at,
        resolved.subject,
        resolved.body,
        resolved.category
    from resolved
    left join senders
        on senders.email = resolved.from_email and senders.customer_id = resolved.resolved_customer_id
)
select * from final
