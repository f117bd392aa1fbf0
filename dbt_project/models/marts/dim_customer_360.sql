{{ config(tags=['after_scoring']) }}
-- depends_on: {{ source('ml', 'customer_scores') }}
-- depends_on: {{ source('ml', 'customer_alerts') }}
-- depends_on: {{ source('ml', 'contact_send_times') }}
-- depends_on: {{ source('ml', 'invoice_scores') }}
-- One row per customer as of the partition date: identity and terms, credit use, open and
-- overdue balance by aging bucket in the customer's own currency (every currency in
-- fct_customer_balances), payment behaviour, engagement, disputes and promises, contactability,
-- quarantine for broken invariants, a rule-based segment, and the model scores the ML stage fills in.
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),
balances as (
    -- Money in the customer's own (contract) currency only: amounts in other currencies are
    -- never added to it (no rates). Counts and days are summed over every currency.
    select
        customer_id,
        sum(open_balance) filter (where is_customer_currency) as open_balance,
        sum(overdue_balance) filter (where is_customer_currency) as overdue_balance,
        {% for bucket in aging_buckets() %}
        sum(balance_{{ bucket }}) filter (where is_customer_currency) as balance_{{ bucket }},
        {% endfor %}
        sum(unapplied_cash) filter (where is_customer_currency) as unapplied_cash,
        sum(open_invoices) as open_invoices,
        max(max_days_past_due) as max_days_past_due,
        min(oldest_open_due_date) as oldest_open_due_date,
        count(*) filter (where open_balance > 0) as currencies_open,
        count(*) filter (where open_balance > 0 and not is_customer_currency) > 0 as has_foreign_currency_balance
    from {{ ref('fct_customer_balances') }}
    group by 1
),
quarantine as (
    select customer_id, {{ sorted_string_agg("invariant || ': ' || detail", "'; '") }} as quarantine_reason
    from {{ ref('int_customers_invariant_breaks') }}
    group by 1
),
contacts as (
    select
        customer_id,
        max(case when erp_contacts.is_primary then contact_id end) as primary_contact_id,
        count(*) as contacts,
        count(*) filter (where suppression.is_emailable) as emailable_contacts
    from {{ ref('int_contacts_unioned') }} as erp_contacts
    join {{ ref('int_contacts_suppression') }} as suppression using (contact_id, customer_id)
    group by 1
),
behaviour as (select * from {{ ref('int_customers_payment_behaviour') }}),
engagement as (select * from {{ ref('int_customers_engagement') }}),
disputes as (select * from {{ ref('int_customers_disputes_promises') }}),
scores as (
    {{ ml_scores('customer_scores', {'customer_id': 'varchar', 'payment_delay_risk': 'double precision',
                                     'self_cure_probability': 'double precision'}) }}
),
alerts as (
    select customer_id, {{ sorted_string_agg('change_type', "','") }} as alert_types
    from (
        {{ ml_scores('customer_alerts', {'customer_id': 'varchar', 'change_type': 'varchar',
                                         'is_alert': 'boolean'}) }}
    ) as scored
    where is_alert
    group by 1
),
actions as (  -- the next best action of the customer's invoice where acting is worth most
    select customer_id, next_best_action, nba_reason, nba_incentive
    from (
        select *, row_number() over (partition by customer_id order by nba_expected_value desc, invoice_id asc) as pick
        from ({{ ml_scores('invoice_scores', {'invoice_id': 'varchar', 'customer_id': 'varchar',
                                              'next_best_action': 'varchar', 'nba_expected_value': 'double precision',
                                              'nba_reason': 'varchar', 'nba_incentive': 'varchar'}) }}) as s
        where next_best_action is not null
    ) as ranked
    where pick = 1
),
joined as (
    select
        customers.*,
        {{ money('coalesce(balances.open_balance, 0)') }} as open_balance,
        {{ money('coalesce(balances.overdue_balance, 0)') }} as overdue_balance,
        {% for bucket in aging_buckets() %}
        {{ money('coalesce(balances.balance_' ~ bucket ~ ', 0)') }} as balance_{{ bucket }},
        {% endfor %}
        cast(coalesce(balances.open_invoices, 0) as bigint) as open_invoices,
        coalesce(balances.max_days_past_due, 0) as max_days_past_due,
        balances.oldest_open_due_date,
        {{ money('coalesce(balances.unapplied_cash, 0)') }} as unapplied_cash,
        coalesce(balances.currencies_open, 0) as currencies_open,
        coalesce(balances.has_foreign_currency_balance, false) as has_foreign_currency_balance,
        quarantine.customer_id is not null as is_quarantined,
        quarantine.quarantine_reason,
        cast(balances.open_balance / nullif(customers.credit_limit, 0) as {{ sql_type('double precision') }}) as credit_utilisation,
        contacts.primary_contact_id,
        coalesce(contacts.contacts, 0) as contacts,
        coalesce(contacts.emailable_contacts, 0) as emailable_contacts,
        coalesce(contacts.emailable_contacts, 0) > 0 as is_email_contactable,
        coalesce(behaviour.settled_invoices_365d, 0) as settled_invoices_365d,
        cast(behaviour.avg_days_late_90d as {{ sql_type('double precision') }}) as avg_days_late_90d,
        cast(behaviour.avg_days_late_365d as {{ sql_type('double precision') }}) as avg_days_late_365d,
        cast(behaviour.weighted_days_late_365d as {{ sql_type('double precision') }}) as weighted_days_late_365d,
        cast(behaviour.days_late_stddev_365d as {{ sql_type('double precision') }}) as days_late_stddev_365d,
        cast(behaviour.days_late_trend as {{ sql_type('double precision') }}) as days_late_trend,
        cast(behaviour.late_share_365d as {{ sql_type('double precision') }}) as late_share_365d,
        cast(behaviour.self_cure_share_365d as {{ sql_type('double precision') }}) as self_cure_share_365d,
        cast(behaviour.avg_days_to_pay_365d as {{ sql_type('double precision') }}) as avg_days_to_pay_365d,
        behaviour.dominant_method_90d,
        coalesce(behaviour.payment_method_changed, false) as payment_method_changed,
        coalesce(engagement.emails_sent_365d, 0) as emails_sent_365d,
        cast(engagement.open_rate as {{ sql_type('double precision') }}) as open_rate,
        cast(engagement.click_rate as {{ sql_type('double precision') }}) as click_rate,
        cast(engagement.reply_rate as {{ sql_type('double precision') }}) as reply_rate,
        engagement.most_frequent_open_hour,
        engagement.most_frequent_open_weekday,
        engagement.last_response_at,
        coalesce(disputes.disputes_365d, 0) as disputes_365d,
        coalesce(disputes.open_disputes, 0) as open_disputes,
        {{ money('coalesce(disputes.open_disputed_amount, 0)') }} as open_disputed_amount,
        coalesce(disputes.promises_kept, 0) as promises_kept,
        coalesce(disputes.promises_broken, 0) as promises_broken,
        cast(disputes.promise_kept_rate as {{ sql_type('double precision') }}) as promise_kept_rate,
        coalesce(disputes.has_active_promise, false) as has_active_promise
    from customers
    left join balances using (customer_id)
    left join quarantine using (customer_id)
    left join contacts using (customer_id)
    left join behaviour using (customer_id)
    left join engagement using (customer_id)
    left join disputes using (customer_id)
),
-- the send-time model's hour for the contact the planner writes to (journeys.policy.reachable_contact:
-- the primary if e-mailable, else a billing / accounts-payable contact, else any e-mailable one)
send_times as (
    select customer_id, best_send_hour from (
        select
            contacts.customer_id,
            cast(send_times.best_hour_local as {{ sql_type('integer') }}) as best_send_hour,
            row_number() over (
                partition by contacts.customer_id
                order by coalesce(contacts.is_primary, false) desc,
                    contacts.contact_role in ('billing', 'accounts_payable') desc, contacts.contact_id
            ) as pick
        from {{ ref('int_contacts_unioned') }} as contacts
        join {{ ref('int_contacts_suppression') }} as suppression using (contact_id, customer_id)
        join (
            {{ ml_scores('contact_send_times', {'contact_id': 'varchar', 'best_hour_local': 'integer'}) }}
        ) as send_times using (contact_id)
        where suppression.is_emailable
    ) as ranked
    where pick = 1
),
scored as (
    select
        joined.*, scores.payment_delay_risk, scores.self_cure_probability, send_times.best_send_hour,
        alerts.customer_id is not null as has_behaviour_alert, cast(alerts.alert_types as {{ sql_type('varchar') }}) as alert_types,
        actions.next_best_action, actions.nba_reason, actions.nba_incentive as best_incentive
    from joined left join scores using (customer_id) left join send_times using (customer_id)
        left join alerts using (customer_id) left join actions using (customer_id)
),
final as (
    select
        scored.*,
        case
            when not is_email_contactable and contacts > 0 then 'letter'
            when contacts = 0 then 'call'
            else 'email'
        end as preferred_channel,
        case
            when open_disputes > 0 then 'disputed'
            when has_active_promise then 'promise_to_pay'
            when avg_days_late_365d > 45 or max_days_past_due > 90 then 'high_risk'
            when avg_days_late_365d > 15 or days_late_trend > 7 then 'at_risk'
            when settled_invoices_365d >= 3 and avg_days_late_365d <= 0 and late_share_365d <= 0.2 then 'good_payer'
            else 'standard'
        end as segment,
        -- payment_delay_risk, self_cure_probability, best_send_hour and best_incentive come from
        -- the ML stage's champions (null until one exists; the segment stays rule-based).
        {{ as_of_date() }} as as_of_date
    from scored
)
select * from final
