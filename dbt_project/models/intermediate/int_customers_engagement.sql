-- How each customer responds to collections e-mails over the last 365 days, and when they read.
with touches as (
    select * from {{ ref('int_contacts_outcomes') }}
    where channel = 'email' and {{ days_between('cast(sent_at as date)', as_of_date()) }} < 365
),
rates as (
    select
        customer_id,
        count(*) as emails_sent_365d,
        -- rates average integers: Spark keeps an average of the decimal 1.0 to 5 decimals only
        avg(case when was_delivered then 1 else 0 end) as delivered_rate,
        sum(case when was_opened then 1.0 else 0.0 end) / nullif(sum(case when was_delivered then 1 else 0 end), 0) as open_rate,
        sum(case when was_clicked then 1.0 else 0.0 end) / nullif(sum(case when was_delivered then 1 else 0 end), 0) as click_rate,
        avg(case when was_replied then 1 else 0 end) as reply_rate,
        sum(case when was_bounced then 1 else 0 end) as bounces_365d,
        max(sent_at) as last_emailed_at,
        max(first_opened_at) as last_opened_at
    from touches
    group by 1
),
modal_hour as (
    {{ most_frequent(ref('int_customers_open_hours'), 'customer_id', 'open_hour', 'opens') }}
),
modal_weekday as (
    {{ most_frequent(ref('int_customers_open_hours'), 'customer_id', 'open_weekday', 'opens') }}
),
last_inbound as (
    select customer_id, max(received_at) as last_inbound_at
    from {{ ref('int_inbound_messages_resolved') }}
    where customer_id is not null
    group by 1
),
final as (
    select
        rates.customer_id,
        rates.emails_sent_365d,
        rates.delivered_rate,
        rates.open_rate,
        rates.click_rate,
        rates.reply_rate,
        rates.bounces_365d,
        rates.last_emailed_at,
        modal_hour.open_hour as most_frequent_open_hour,
        modal_weekday.open_weekday as most_frequent_open_weekday,
        case when last_inbound.last_inbound_at is null then rates.last_opened_at
             when rates.last_opened_at is null then last_inbound.last_inbound_at
             else greatest(rates.last_opened_at, last_inbound.last_inbound_at) end as last_response_at
    from rates
    left join modal_hour using (customer_id)
    left join modal_weekday using (customer_id)
    left join last_inbound using (customer_id)
)
select * from final
