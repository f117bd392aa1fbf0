{{ config(tags=['after_scoring']) }}
-- depends_on: {{ source('ml', 'customer_alerts') }}
-- Behaviour-change alerts of the partition date for BI and for people: one row per customer and
-- change type alerted, with when it started, its size, the before / after figures, the evidence,
-- and who should talk to the customer next (an internal notice, never sent to the customer).
with alerts as (
    select * from (
        {{ ml_scores('customer_alerts', {'customer_id': 'varchar', 'change_type': 'varchar', 'is_alert': 'boolean',
                                         'started_on': 'timestamp', 'size': 'double precision',
                                         'before_value': 'double precision', 'after_value': 'double precision',
                                         'events_after': 'double precision', 'evidence': 'varchar'}) }}
    ) as scored
    where is_alert
),
-- Disputes since the change started decide who handles a dispute surge: product or delivery
-- problems go to support, commercial ones (pricing, duplicates, the rest) to sales.
dispute_reasons as (
    select alerts.customer_id, {{ most_common('disputes.dispute_reason') }} as main_reason
    from alerts
    join {{ ref('fct_disputes') }} as disputes
        on disputes.customer_id = alerts.customer_id and disputes.opened_on >= cast(alerts.started_on as date)
    where alerts.change_type = 'serial_dispute'
    group by 1
),
routed as (
    select
        alerts.*,
        dispute_reasons.main_reason,
        case
            when alerts.change_type = 'serial_dispute' and dispute_reasons.main_reason in ('quality', 'delivery')
                then 'support'
            when alerts.change_type in ('serial_dispute', 'method_switch') then 'sales'
            else 'finance'
        end as route_to
    from alerts
    left join dispute_reasons
        on dispute_reasons.customer_id = alerts.customer_id and alerts.change_type = 'serial_dispute'
)
-- Explicit casts: before the detector's first champion the source is absent and its columns are
-- typed nulls, which the contract check would otherwise see as NULL-typed.
select
    cast(routed.customer_id as {{ sql_type('varchar') }}) as customer_id,
    cast(routed.change_type as {{ sql_type('varchar') }}) as change_type,
    cast(routed.started_on as date) as started_on,
    cast(routed.size as {{ sql_type('double precision') }}) as change_size,
    cast(routed.before_value as {{ sql_type('double precision') }}) as before_value,
    cast(routed.after_value as {{ sql_type('double precision') }}) as after_value,
    cast(routed.events_after as {{ sql_type('integer') }}) as events_after,
    cast(routed.evidence as {{ sql_type('varchar') }}) as evidence,
    cast(routed.main_reason as {{ sql_type('varchar') }}) as main_dispute_reason,
    routed.route_to,
    customers.account_owner,
    cast('Behaviour change (' || replace(routed.change_type, '_', ' ') || ') since '
        || {{ iso_date_text('routed.started_on') }} || ': ' || routed.evidence
        || '. For ' || routed.route_to || ' to talk to the customer next.' as {{ sql_type('varchar') }}) as notice,
    {{ as_of_date() }} as as_of_date
from routed
left join {{ ref('stg_erp__customers') }} as customers using (customer_id)
