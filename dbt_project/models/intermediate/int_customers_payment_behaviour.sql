-- How each customer has paid lately: lateness (plain and amount-weighted), its spread and
-- trend, the share of late invoices, and the payment-method mix and whether it changed.
{% set windows = var('behaviour_windows') %}
{% set methods = ['wire', 'check', 'card', 'direct_debit', 'ach', 'other'] %}
with settled as (
    select *, {{ days_between('settled_on', as_of_date()) }} as settled_days_ago
    from {{ ref('int_invoices_lifecycle') }}
    where settled_on is not null and invoice_status = 'paid'
),
payments as (
    select customer_id, payment_method, payment_amount,
           {{ days_between('payment_date', as_of_date()) }} as paid_days_ago
    from {{ ref('stg_erp__payments') }}
),
lateness as (
    select
        customer_id,
        {% for w in windows %}
        count(*) filter (where settled_days_ago < {{ w }}) as settled_invoices_{{ w }}d,
        avg(case when settled_days_ago < {{ w }} then days_late_at_settlement end) as avg_days_late_{{ w }}d,
        sum(case when settled_days_ago < {{ w }} then days_late_at_settlement * invoice_amount end)
            / nullif(sum(case when settled_days_ago < {{ w }} then invoice_amount end), 0) as weighted_days_late_{{ w }}d,
        -- shares average integers: Spark keeps an average of the decimal 1.0 to 5 decimals only
        avg(case when settled_days_ago < {{ w }} then case when days_late_at_settlement > 0 then 1 else 0 end end)
            as late_share_{{ w }}d,
        {% endfor %}
        stddev_samp(case when settled_days_ago < 365 then days_late_at_settlement end) as days_late_stddev_365d,
        -- of the invoices that went overdue, the share paid within two weeks of the due date
        avg(case when settled_days_ago < 365 and days_late_at_settlement > 0
                 then case when days_late_at_settlement <= 14 then 1 else 0 end end) as self_cure_share_365d,
        avg(case when settled_days_ago < 365 then days_to_pay end) as avg_days_to_pay_365d
    from settled
    group by 1
),
method_share as (
    select
        customer_id,
        {% for m in methods %}
        sum(case when payment_method = '{{ m }}' and paid_days_ago < 365 then payment_amount else 0 end)
            / nullif(sum(case when paid_days_ago < 365 then payment_amount end), 0) as method_share_{{ m }}_365d,
        {% endfor %}
        avg(case when paid_days_ago < 90 then payment_amount end) as avg_payment_amount_90d,
        avg(case when paid_days_ago >= 90 and paid_days_ago < 365 then payment_amount end) as avg_payment_amount_prior
    from payments
    group by 1
),
recent_method as (
    {{ most_frequent('payments', 'customer_id', 'payment_method', "case when paid_days_ago < 90 then payment_amount else 0 end") }}
),
prior_method as (
    {{ most_frequent('payments', 'customer_id', 'payment_method', "case when paid_days_ago >= 90 and paid_days_ago < 365 then payment_amount else 0 end") }}
),
final as (
    select
        coalesce(lateness.customer_id, method_share.customer_id) as customer_id,
        {% for w in windows %}
        coalesce(lateness.settled_invoices_{{ w }}d, 0) as settled_invoices_{{ w }}d,
        lateness.avg_days_late_{{ w }}d,
        lateness.weighted_days_late_{{ w }}d,
        lateness.late_share_{{ w }}d,
        {% endfor %}
        lateness.days_late_stddev_365d,
        lateness.self_cure_share_365d,
        lateness.avg_days_to_pay_365d,
        lateness.avg_days_late_90d - lateness.avg_days_late_365d as days_late_trend,
        {% for m in methods %}
        method_share.method_share_{{ m }}_365d,
        {% endfor %}
        method_share.avg_payment_amount_90d,
        method_share.avg_payment_amount_prior,
        recent_method.payment_method as dominant_method_90d,
        prior_method.payment_method as dominant_method_prior,
        coalesce(recent_method.payment_method <> prior_method.payment_method, false) as payment_method_changed
    from lateness
    full outer join method_share on method_share.customer_id = lateness.customer_id
    left join recent_method on recent_method.customer_id = coalesce(lateness.customer_id, method_share.customer_id)
    left join prior_method on prior_method.customer_id = coalesce(lateness.customer_id, method_share.customer_id)
)
select * from final
