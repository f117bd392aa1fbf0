{{ config(tags=['after_scoring']) }}
-- depends_on: {{ source('ml', 'invoice_scores') }}
-- The dunning book: one row per open invoice with its customer's profile and the models' scores,
-- as of the partition date. A journey's `applies_when` and step `when` are conditions over these
-- columns (journeys/catalog.py INVOICE_COLUMNS); the planner reads nothing else about invoices.
with invoices as (
    select * from {{ ref('fct_invoices') }}
    where open_amount > 0
),
customers as (
    select * from {{ ref('dim_customer_360') }}
),
balances as (
    -- The customer's balance in the INVOICE's currency: a USD invoice of a EUR customer is dunned
    -- against what the customer owes in USD, never a sum across currencies.
    select customer_id, currency_code, open_balance, overdue_balance from {{ ref('fct_customer_balances') }}
),
plan_requests as (
    select distinct customer_id from {{ ref('fct_payment_plan_requests') }}
    where request_status = 'awaiting_review'
),
scores as (
    {{ ml_scores('invoice_scores', {'invoice_id': 'varchar', 'p50_days_late': 'double precision',
                                    'p_late_30': 'double precision', 'nba_incentive': 'varchar'}) }}
)
select
    invoices.invoice_id,
    invoices.customer_id,
    invoices.currency_code,
    invoices.issue_date,
    invoices.due_date,
    invoices.po_number,
    invoices.invoice_amount,
    invoices.paid_amount,
    invoices.open_amount,
    invoices.days_past_due,
    invoices.is_in_dispute,
    invoices.open_dispute_reason as dispute_reason,
    invoices.open_dispute_source as dispute_source,
    invoices.has_active_promise,
    plan_requests.customer_id is not null as has_payment_plan_request,
    coalesce(invoices.active_promise_date, invoices.last_broken_promise_date) as promise_date,
    invoices.active_promise_date is null and invoices.last_broken_promise_date is not null as promise_broken,
    {{ days_between('invoices.last_broken_promise_date', as_of_date()) }} as days_since_promise,
    customers.segment,
    customers.payment_delay_risk,
    customers.self_cure_probability,
    customers.late_share_365d,
    customers.self_cure_share_365d,
    customers.avg_days_late_365d,
    customers.days_late_trend,
    balances.open_balance,
    balances.overdue_balance,
    customers.max_days_past_due,
    customers.best_send_hour,
    customers.most_frequent_open_hour,
    customers.dominant_method_90d,
    coalesce(scores.nba_incentive, customers.best_incentive) as best_incentive,
    customers.has_behaviour_alert,
    customers.alert_types,
    scores.p50_days_late,
    scores.p_late_30,
    customers.country_code,
    customers.timezone,
    customers.language_code,
    customers.account_owner,
    customers.customer_name,
    customers.is_quarantined,
    customers.quarantine_reason,
    {{ as_of_date() }} as as_of_date
from invoices
join customers using (customer_id)
join balances on balances.customer_id = invoices.customer_id and balances.currency_code = invoices.currency_code
left join scores using (invoice_id)
left join plan_requests on plan_requests.customer_id = invoices.customer_id
