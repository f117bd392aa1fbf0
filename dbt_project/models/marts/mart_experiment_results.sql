{{ config(**daily_slices(tags=['after_journeys'])) }}
-- Results per experiment arm, intention to treat: each customer counts once, in the arm of its
-- first exposure, paid when every invoice of that first message was settled within the outcome
-- window. Only exposures whose window has ended count. Wilson 95 % intervals per arm; Newcombe's
-- hybrid score interval for the difference with the holdout.
{% set z = 1.959964 %}
{% set window = var('experiment_outcome_days') %}
with exposures as (
    select * from {{ ref('stg_journeys__experiment_exposures') }}
),
first_day as (
    select experiment, customer_id, min(send_day) as send_day from exposures
    group by experiment, customer_id
),
first_messages as (
    select exposures.*
    from exposures
    join first_day using (experiment, customer_id, send_day)
),
outcomes as (
    select
        first_messages.experiment,
        first_messages.variant,
        first_messages.customer_id,
        min(first_messages.send_day) as send_day,
        min(case when lifecycle.settled_on <= {{ dbt.dateadd('day', window, 'first_messages.send_day') }}
                 then 1 else 0 end) as paid
    from first_messages
    left join {{ ref('int_invoices_lifecycle') }} as lifecycle using (invoice_id)
    group by first_messages.experiment, first_messages.variant, first_messages.customer_id
),
arms as (
    select
        experiment,
        variant,
        count(*) as customers_assigned,
        sum(case when {{ dbt.dateadd('day', window, 'send_day') }} <= {{ as_of_date() }} then 1 else 0 end) as customers_matured,
        sum(case when {{ dbt.dateadd('day', window, 'send_day') }} <= {{ as_of_date() }} then paid else 0 end) as customers_paid
    from outcomes
    group by experiment, variant
),
rates as (
    select
        arms.*,
        cast(customers_paid as {{ sql_type('double precision') }}) / nullif(customers_matured, 0) as p,
        cast(nullif(customers_matured, 0) as {{ sql_type('double precision') }}) as n  -- no matured customer: no rate, no interval
    from arms
),
wilson as (
    select
        rates.*,
        (p + {{ z }} * {{ z }} / (2 * n)) / (1 + {{ z }} * {{ z }} / n) as centre,
        {{ z }} * sqrt(p * (1 - p) / n + {{ z }} * {{ z }} / (4 * n * n)) / (1 + {{ z }} * {{ z }} / n) as half_width
    from rates
),
intervals as (
    select wilson.*, centre - half_width as low, centre + half_width as high from wilson
),
final as (
    select
        {{ as_of_date() }} as as_of_date,
        arm.experiment,
        arm.variant,
        arm.variant = 'holdout' as is_holdout,
        cast(arm.customers_assigned as bigint) as customers_assigned,
        cast(arm.customers_matured as bigint) as customers_matured,
        cast(arm.customers_paid as bigint) as customers_paid,
        cast({{ window }} as integer) as outcome_window_days,
        {{ rounded('arm.p') }} as paid_rate,
        {{ rounded('arm.low') }} as paid_rate_ci_low,
        {{ rounded('arm.high') }} as paid_rate_ci_high,
        {{ rounded('arm.p - holdout.p') }} as uplift_vs_holdout,
        {{ rounded('arm.p - holdout.p - sqrt((arm.p - arm.low) * (arm.p - arm.low) + (holdout.high - holdout.p) * (holdout.high - holdout.p))') }}
            as uplift_ci_low,
        {{ rounded('arm.p - holdout.p + sqrt((arm.high - arm.p) * (arm.high - arm.p) + (holdout.p - holdout.low) * (holdout.p - holdout.low))') }}
            as uplift_ci_high
    from intervals as arm
    left join intervals as holdout
        on holdout.experiment = arm.experiment and holdout.variant = 'holdout' and arm.variant <> 'holdout'
)
select * from final
