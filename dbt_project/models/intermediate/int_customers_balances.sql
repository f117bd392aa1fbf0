-- Open and overdue balance, aging buckets and lateness per customer AND currency, as of the
-- partition date. Amounts in different currencies are never added together: a customer billed
-- in EUR and USD has two rows (fct_customer_balances publishes them; the 360 and the dunning
-- book pick the row of the currency they state).
with open_invoices as (
    select * from {{ ref('int_invoices_lifecycle') }}
    where open_amount > 0
),
final as (
    select
        customer_id,
        currency_code,
        {{ money('sum(open_amount)') }} as open_balance,
        {{ money('sum(case when days_past_due > 0 then open_amount else 0 end)') }} as overdue_balance,
        {% for bucket in aging_buckets() %}
        {{ money("sum(case when aging_bucket = '" ~ bucket ~ "' then open_amount else 0 end)") }}
        as balance_{{ bucket }},
        {% endfor %}
        count(*) as open_invoices,
        max(days_past_due) as max_days_past_due,
        min(due_date) as oldest_open_due_date
    from open_invoices
    group by 1, 2
)
select * from final
