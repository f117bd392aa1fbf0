-- Inbound e-mails with their customer: the ERP's when given, else the one whose contact sent it
-- (only when that address belongs to a single customer).
with inbound as (
    select * from {{ ref('stg_erp__inbound_messages') }}
),
addresses as (
    select lower(email) as email, min(customer_id) as customer_id
    from {{ ref('stg_erp__contacts') }}
    group by 1
    having count(distinct customer_id) = 1
),
final as (
    select
        inbound.inbound_id,
        coalesce(inbound.customer_id, addresses.customer_id) as customer_id,
        inbound.customer_id is null and addresses.customer_id is not null as customer_resolved_from_email,
        inbound.received_at,
        inbound.subject,
        inbound.body,
        inbound.category
    from inbound
    left join addresses on addresses.email = inbound.from_email
)
select * from final
