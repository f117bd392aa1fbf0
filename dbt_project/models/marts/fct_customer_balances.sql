-- One row per customer and currency with an open balance or cash on account, as of the
-- partition date: what the customer owes in that currency. Also in the reporting currency when
-- one is set and the ERP exported a rate for this currency (never an invented rate).
with balances as (
    select * from {{ ref('int_customers_balances') }}
),
unapplied as (
    select
        customer_id,
        currency_code,
        {{ money('sum(payment_amount)') }} as unapplied_cash
    from {{ ref('stg_erp__payments') }}
    where is_unapplied
    group by 1, 2
),
customers as (
    select customer_id, currency_code as customer_currency_code from {{ ref('stg_erp__customers') }}
),
quarantined as (
    select distinct customer_id from {{ ref('int_customers_invariant_breaks') }}
),
rates as (
    select * from {{ ref('int_exchange_rates_to_reporting') }}
),
final as (
    select
        customer_id,
        currency_code,
        currency_code = customers.customer_currency_code as is_customer_currency,
        {{ money('coalesce(balances.open_balance, 0)') }} as open_balance,
        {{ money('coalesce(balances.overdue_balance, 0)') }} as overdue_balance,
        {% for bucket in aging_buckets() %}
        {{ money('coalesce(balances.balance_' ~ bucket ~ ', 0)') }} as balance_{{ bucket }},
        {% endfor %}
        coalesce(balances.open_invoices, 0) as open_invoices,
        coalesce(balances.max_days_past_due, 0) as max_days_past_due,
        balances.oldest_open_due_date,
        {{ money('coalesce(unapplied.unapplied_cash, 0)') }} as unapplied_cash,
        quarantined.customer_id is not null as is_quarantined,
        rates.reporting_currency_code,
        rates.rate_to_reporting,
        {{ money(rounded(as_double('coalesce(balances.open_balance, 0)') ~ ' * rates.rate_to_reporting', 2)) }}
            as open_balance_reporting,
        {{ money(rounded(as_double('coalesce(balances.overdue_balance, 0)') ~ ' * rates.rate_to_reporting', 2)) }}
            as overdue_balance_reporting,
        {{ as_of_date() }} as as_of_date
    from balances
    full outer join unapplied using (customer_id, currency_code)
    join customers using (customer_id)
    left join quarantined using (customer_id)
    left join rates using (currency_code)
)
select * from final
