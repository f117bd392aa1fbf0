{{ config(tags=['after_scoring', 'after_journeys']) }}
-- depends_on: {{ source('ml', 'invoice_scores') }}
-- depends_on: {{ source('ml', 'inbound_triage') }}
-- Everything that needs a person on the as-of date, one row per item, with what its value is
-- computed from: the amount at stake, the customer's risk and, where the next-best-action model
-- chose a collector's call, the model's expected value of that call. mart_collector_worklist
-- ranks them. An inbound message the automatic replies handled (fct_inbound_replies) needs no
-- one; a promise read in an e-mail awaits a person's confirmation, one item per promise.
with customers as (
    select customer_id, currency_code, open_balance, payment_delay_risk, account_owner
    from {{ ref('dim_customer_360') }}
),
scores as (
    {{ ml_scores('invoice_scores', {'invoice_id': 'varchar', 'customer_id': 'varchar',
                                    'next_best_action': 'varchar', 'nba_expected_value': 'double precision'}) }}
),
model_calls as (  -- open, unpaused invoices whose next best action is a collector's call
    select book.customer_id, book.currency_code, book.invoice_id, book.open_amount, scores.nba_expected_value
    from {{ ref('mart_dunning_book') }} as book
    join scores using (invoice_id)
    where scores.next_best_action = 'collector_call'
      and not book.is_in_dispute and not book.has_active_promise and not book.is_quarantined
),
tasks as (
    select * from {{ ref('stg_journeys__work_tasks') }}
    where planned_on = {{ as_of_date() }}
),
task_invoices as (
    select tasks.message_id, invoice.invoice_id
    from tasks
    {{ list_to_rows('tasks.invoice_ids', 'invoice', 'invoice_id') }}
),
task_model_value as (
    select task_invoices.message_id, sum(model_calls.nba_expected_value) as model_value
    from task_invoices
    join model_calls using (invoice_id)
    group by 1
),
planned_items as (
    select
        tasks.message_id as item_id,
        tasks.channel as item_type,
        tasks.customer_id,
        tasks.currency_code,
        cast(tasks.amount_due as {{ sql_type('double precision') }}) as amount_at_stake,
        task_model_value.model_value,
        tasks.account_owner as suggested_owner,
        cast(tasks.reason_now as {{ sql_type('varchar') }}) as item_summary  -- the planner's reason starts with the step
    from tasks
    left join task_model_value using (message_id)
),
unplanned_calls as (  -- the model's calls that the day's plan does not already make
    select
        cast('nba-call-' || model_calls.customer_id || '-' || model_calls.currency_code as {{ sql_type('varchar') }}) as item_id,
        'model_call' as item_type,
        model_calls.customer_id,
        model_calls.currency_code,
        cast(sum(model_calls.open_amount) as {{ sql_type('double precision') }}) as amount_at_stake,
        sum(model_calls.nba_expected_value) as model_value,
        cast(null as {{ sql_type('varchar') }}) as suggested_owner,
        cast('the next-best-action model chose a collector''s call on ' || cast(count(*) as {{ sql_type('varchar') }})
            || ' open invoice(s)' as {{ sql_type('varchar') }}) as item_summary
    from model_calls
    where not exists (
        select 1 from tasks
        where tasks.customer_id = model_calls.customer_id and tasks.channel = 'call'
    )
    group by 3, 4
),
triage as (
    {{ optional_source('ml', 'inbound_triage', {'inbound_id': 'varchar', 'category': 'varchar',
                                                'priority': 'double precision', 'as_of_date': 'date'},
                       'as_of_date = ' ~ as_of_date()) }}
),
inbound_items as (
    select
        cast('inbound-' || messages.inbound_id as {{ sql_type('varchar') }}) as item_id,
        'inbound_request' as item_type,
        messages.customer_id,
        cast(null as {{ sql_type('varchar') }}) as currency_code,
        cast(null as {{ sql_type('double precision') }}) as amount_at_stake,
        cast(null as {{ sql_type('double precision') }}) as model_value,
        cast(null as {{ sql_type('varchar') }}) as suggested_owner,
        cast('e-mail of ' || cast(cast(messages.received_at as date) as {{ sql_type('varchar') }}) || ' not answered automatically'
            || coalesce(' (' || coalesce(triage.category, messages.category) || ')', '') as {{ sql_type('varchar') }}) as item_summary
    from {{ ref('fct_inbound_messages') }} as messages
    left join triage using (inbound_id)
    left join {{ ref('fct_inbound_replies') }} as replies using (inbound_id)
    where not coalesce(replies.handled_automatically, false)
      and cast(messages.received_at as date) <= {{ as_of_date() }}
      and cast(messages.received_at as date)
          > {{ dbt.dateadd('day', -var('worklist_inbound_days'), as_of_date()) }}
),
awaiting_promises as (  -- promises read in e-mails: one per message, over the invoices it covers
    select
        coalesce(promises.source_ref, promises.promise_id) as promise_ref,
        promises.customer_id,
        invoices.currency_code,
        promises.promised_amount,
        promises.promised_for
    from {{ ref('fct_promises_to_pay') }} as promises
    inner join {{ ref('fct_invoices') }} as invoices using (invoice_id)
    where promises.confirmation_status = 'awaiting_confirmation'
),
promise_items as (
    select
        cast('promise-' || promise_ref || '-' || currency_code as {{ sql_type('varchar') }}) as item_id,
        'promise_to_confirm' as item_type,
        customer_id,
        currency_code,
        cast(sum(promised_amount) as {{ sql_type('double precision') }}) as amount_at_stake,
        cast(null as {{ sql_type('double precision') }}) as model_value,
        cast(null as {{ sql_type('varchar') }}) as suggested_owner,
        cast('promise of ' || cast(sum(promised_amount) as {{ sql_type('varchar') }}) || ' for '
            || cast(min(promised_for) as {{ sql_type('varchar') }}) || ' on ' || cast(count(*) as {{ sql_type('varchar') }})
            || ' invoice(s) to confirm' as {{ sql_type('varchar') }}) as item_summary
    from awaiting_promises
    group by 1, 3, 4  -- the promise (item_id), its customer and currency
),
alert_items as (
    select
        cast('alert-' || customer_id || '-' || change_type as {{ sql_type('varchar') }}) as item_id,
        'behaviour_alert' as item_type,
        customer_id,
        cast(null as {{ sql_type('varchar') }}) as currency_code,
        cast(null as {{ sql_type('double precision') }}) as amount_at_stake,
        cast(null as {{ sql_type('double precision') }}) as model_value,
        case when route_to = 'sales' then account_owner end as suggested_owner,
        cast(notice as {{ sql_type('varchar') }}) as item_summary,
        route_to
    from {{ ref('mart_customer_alerts') }}
),
items as (
    select *, cast(null as {{ sql_type('varchar') }}) as route_to from planned_items
    union all
    select *, cast(null as {{ sql_type('varchar') }}) as route_to from unplanned_calls
    union all
    select *, cast(null as {{ sql_type('varchar') }}) as route_to from inbound_items
    union all
    select *, cast(null as {{ sql_type('varchar') }}) as route_to from promise_items
    union all
    select * from alert_items
)
-- An item without its own amount (an e-mail, an alert) is worth the customer's open balance.
select
    items.item_id,
    items.item_type,
    items.customer_id,
    coalesce(items.currency_code, customers.currency_code) as currency_code,
    coalesce(items.amount_at_stake, cast(customers.open_balance as {{ sql_type('double precision') }}), 0) as amount_at_stake,
    customers.payment_delay_risk,
    items.model_value,
    coalesce(items.suggested_owner, items.route_to, customers.account_owner, 'finance') as suggested_owner,
    items.item_summary,
    {{ as_of_date() }} as as_of_date
from items
left join customers using (customer_id)
