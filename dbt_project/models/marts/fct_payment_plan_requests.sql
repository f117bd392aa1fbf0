-- One row per payment-plan request a customer made on the portal, with a person's decision on it:
-- awaiting_review until someone accepts or declines it in the cockpit. While one awaits review the
-- customer's invoices are routed to a person (mart_dunning_book.has_payment_plan_request).
with requests as (
    select
        event_id as request_id,
        customer_id,
        occurred_at as requested_at,
        cast({{ json_text('payload', 'installments') }} as {{ sql_type('integer') }}) as installments,
        cast({{ json_text('payload', 'first_date') }} as date) as first_instalment_on
    from {{ ref('stg_journeys__portal_events') }}
    where kind = 'payment_plan' and occurred_at < {{ dbt.dateadd('day', 1, as_of_date()) }}
),
decisions as (
    select item_id as request_id, decision, decided_at
    from {{ ref('int_commitment_decisions_latest') }}
    where item_kind = 'payment_plan'
)
select
    requests.request_id,
    requests.customer_id,
    requests.requested_at,
    requests.installments,
    requests.first_instalment_on,
    coalesce(decisions.decision, 'awaiting_review') as request_status,
    decisions.decided_at,
    {{ as_of_date() }} as as_of_date
from requests
left join decisions using (request_id)
