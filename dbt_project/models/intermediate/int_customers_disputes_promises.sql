-- Dispute and promise-to-pay history per customer (the ERP's and the customers' own; promises
-- once confirmed).
with disputes as (
    select * from {{ ref('int_disputes_unioned') }}
    where customer_id is not null
),
dispute_summary as (
    select
        customer_id,
        count(*) filter (where {{ days_between('opened_on', as_of_date()) }} < 365) as disputes_365d,
        count(*) filter (where resolved_on is null) as open_disputes,
        {{ money("sum(case when resolved_on is null then disputed_amount else 0 end)") }} as open_disputed_amount
    from disputes
    group by 1
),
promise_summary as (
    select
        customer_id,
        count(*) filter (where {{ days_between('promised_on', as_of_date()) }} < 365) as promises_365d,
        count(*) filter (where promise_status = 'kept') as promises_kept,
        count(*) filter (where promise_status = 'broken') as promises_broken,
        count(*) filter (where promise_status = 'pending') > 0 as has_active_promise
    from {{ ref('int_promises_to_pay_evaluated') }}
    where confirmation_status = 'confirmed'  -- one awaiting a person, or rejected, is no promise yet
    group by 1
),
final as (
    select
        coalesce(dispute_summary.customer_id, promise_summary.customer_id) as customer_id,
        coalesce(dispute_summary.disputes_365d, 0) as disputes_365d,
        coalesce(dispute_summary.open_disputes, 0) as open_disputes,
        coalesce(dispute_summary.open_disputed_amount, 0) as open_disputed_amount,
        coalesce(promise_summary.promises_365d, 0) as promises_365d,
        coalesce(promise_summary.promises_kept, 0) as promises_kept,
        coalesce(promise_summary.promises_broken, 0) as promises_broken,
        cast(promise_summary.promises_kept as {{ sql_type('double precision') }})
        / nullif(promise_summary.promises_kept + promise_summary.promises_broken, 0) as promise_kept_rate,
        coalesce(promise_summary.has_active_promise, false) as has_active_promise
    from dispute_summary
    full outer join promise_summary on promise_summary.customer_id = dispute_summary.customer_id
)
select * from final
