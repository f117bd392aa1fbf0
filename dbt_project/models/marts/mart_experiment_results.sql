{{ config(**daily_slices(tags=['after_journeys'])) }}
-- Results per experiment, segment and arm, intention to treat at the message: every message an
-- experiment assigned (sent in a variant, or withheld from the holdout) counts once, paid when
-- every invoice it covered was settled within the outcome window; only exposures whose window
-- has ended count. With the contact rules' spacing, one window holds one reminder. Wilson 95 %
-- intervals per arm; Newcombe's hybrid score interval for the difference with the holdout. The
-- day's adaptive allocation decision (journeys/adaptive.py) sits next to its evidence.
{% set z = 1.959964 %}
{% set window = var('experiment_outcome_days') %}
with exposures as (
    select * from {{ ref('stg_journeys__experiment_exposures') }}
),
messages as (
    select
        exposures.experiment,
        exposures.segment,
        exposures.variant,
        exposures.message_id,
        min(exposures.send_day) as send_day,
        min(case when lifecycle.settled_on <= {{ dbt.dateadd('day', window, 'exposures.send_day') }}
                 then 1 else 0 end) as paid
    from exposures
    left join {{ ref('int_invoices_lifecycle') }} as lifecycle using (invoice_id)
    group by exposures.experiment, exposures.segment, exposures.variant, exposures.message_id
),
arms as (
    select
        experiment,
        segment,
        variant,
        count(*) as exposures_assigned,
        sum(case when {{ dbt.dateadd('day', window, 'send_day') }} <= {{ as_of_date() }} then 1 else 0 end) as exposures_matured,
        sum(case when {{ dbt.dateadd('day', window, 'send_day') }} <= {{ as_of_date() }} then paid else 0 end) as exposures_paid
    from messages
    group by experiment, segment, variant
),
rates as (
    select
        arms.*,
        cast(exposures_paid as {{ sql_type('double precision') }}) / nullif(exposures_matured, 0) as p,
        cast(nullif(exposures_matured, 0) as {{ sql_type('double precision') }}) as n  -- nothing matured: no rate, no interval
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
decisions as (
    select * from {{ ref('stg_journeys__experiment_allocations') }}
    where decided_on = {{ as_of_date() }}
),
final as (
    select
        {{ as_of_date() }} as as_of_date,
        arm.experiment,
        arm.segment,
        arm.variant,
        arm.variant = 'holdout' as is_holdout,
        cast(arm.exposures_assigned as bigint) as exposures_assigned,
        cast(arm.exposures_matured as bigint) as exposures_matured,
        cast(arm.exposures_paid as bigint) as exposures_paid,
        cast({{ window }} as {{ sql_type('integer') }}) as outcome_window_days,
        {{ rounded('arm.p') }} as paid_rate,
        {{ rounded('arm.low') }} as paid_rate_ci_low,
        {{ rounded('arm.high') }} as paid_rate_ci_high,
        {{ rounded('arm.p - holdout.p') }} as uplift_vs_holdout,
        {{ rounded('arm.p - holdout.p - sqrt((arm.p - arm.low) * (arm.p - arm.low) + (holdout.high - holdout.p) * (holdout.high - holdout.p))') }}
            as uplift_ci_low,
        {{ rounded('arm.p - holdout.p + sqrt((arm.high - arm.p) * (arm.high - arm.p) + (holdout.p - holdout.low) * (holdout.p - holdout.low))') }}
            as uplift_ci_high,
        cast(decision.allocated_share as {{ sql_type('double precision') }}) as allocated_share,
        cast(decision.prob_best as {{ sql_type('double precision') }}) as prob_best,
        decision.arm_status,
        decision.allocation_reason
    from intervals as arm
    left join intervals as holdout
        on
            holdout.experiment = arm.experiment and holdout.segment = arm.segment
            and holdout.variant = 'holdout' and arm.variant <> 'holdout'
    left join decisions as decision
        on decision.experiment = arm.experiment and decision.segment = arm.segment and decision.variant = arm.variant
)
select * from final
