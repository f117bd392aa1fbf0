{{ config(**daily_slices()) }}
-- Open balance per customer in every aging bucket (zeros included, so that pivots line up),
-- one slice per as-of date.
with open_invoices as (
    select * from {{ ref('int_invoices_lifecycle') }}
    where open_amount > 0
),
buckets as (
    {% for bucket in aging_buckets() %}
    select cast('{{ bucket }}' as {{ sql_type('varchar') }}) as aging_bucket, {{ loop.index }} as bucket_order{{ " union all" if not loop.last }}
    {% endfor %}
),
customers as (
    select distinct customer_id, currency_code from open_invoices
),
final as (
    select
        {{ as_of_date() }} as as_of_date,
        customers.customer_id,
        customers.currency_code,
        buckets.aging_bucket,
        buckets.bucket_order,
        {{ money('coalesce(sum(open_invoices.open_amount), 0)') }} as open_amount,
        count(open_invoices.invoice_id) as open_invoices
    from customers
    cross join buckets
    left join open_invoices
      on open_invoices.customer_id = customers.customer_id
     and open_invoices.currency_code = customers.currency_code
     and open_invoices.aging_bucket = buckets.aging_bucket
    group by 1, 2, 3, 4, 5
)
select * from final
