{{ config(**daily_slices(tags=['after_scoring', 'after_journeys'])) }}
-- The collector worklist of the as-of date: one ranked list of what needs a person — the day's
-- calls and tasks, the model's calls, unanswered customer e-mails, promises to confirm and
-- behaviour-change alerts — ranked by expected incremental cash per minute of effort.
-- Expected cash is the next-best-action model's value of a call where the model chose one, else
-- the amount at stake × the customer's payment-delay risk (a neutral risk before the first risk
-- model). Minutes per item type are configuration (var worklist_minutes).
{% set minutes = var('worklist_minutes') %}
with items as (
    select * from {{ ref('int_worklist_items') }}
),
valued as (
    select
        items.*,
        coalesce(payment_delay_risk, {{ var('worklist_neutral_risk') }}) as risk_used,
        case when model_value is not null then 'model' else 'amount_x_risk' end as value_basis,
        case item_type
            {% for kind, value in minutes.items() %}when '{{ kind }}' then {{ value }}
            {% endfor %}
        end as effort_minutes
    from items
),
priced as (
    select
        valued.*,
        {{ rounded("case when value_basis = 'model' then greatest(model_value, 0)
                    else amount_at_stake * risk_used end", 2) }} as expected_cash
    from valued
),
ranked as (
    select
        priced.*,
        {{ rounded('expected_cash / effort_minutes', 4) }} as cash_per_minute
    from priced
)
select
    cast(as_of_date as date) as as_of_date,
    cast(row_number() over (order by cash_per_minute desc, expected_cash desc, item_id asc) as {{ sql_type('integer') }}) as worklist_rank,
    cast(item_id as {{ sql_type('varchar') }}) as item_id,
    cast(item_type as {{ sql_type('varchar') }}) as item_type,
    cast(customer_id as {{ sql_type('varchar') }}) as customer_id,
    cast(suggested_owner as {{ sql_type('varchar') }}) as suggested_owner,
    cast(currency_code as {{ sql_type('varchar') }}) as currency_code,
    {{ money('amount_at_stake') }} as amount_at_stake,
    cast(risk_used as {{ sql_type('double precision') }}) as risk_used,
    cast(value_basis as {{ sql_type('varchar') }}) as value_basis,
    cast(expected_cash as {{ sql_type('double precision') }}) as expected_cash,
    cast(effort_minutes as {{ sql_type('integer') }}) as effort_minutes,
    cast(cash_per_minute as {{ sql_type('double precision') }}) as cash_per_minute,
    cast(
        case when value_basis = 'model'
            then 'call value from the next-best-action model ' || cast(expected_cash as {{ sql_type('varchar') }})
            else cast({{ money('amount_at_stake') }} as {{ sql_type('varchar') }}) || ' at stake × risk '
                || cast({{ rounded('risk_used', 2) }} as {{ sql_type('varchar') }})
                || case when payment_delay_risk is null then ' (not scored yet)' else '' end
                || ' = ' || cast(expected_cash as {{ sql_type('varchar') }})
        end || ' ' || coalesce(currency_code, '') || ' expected over ' || cast(effort_minutes as {{ sql_type('varchar') }})
        || ' min = ' || cast(cash_per_minute as {{ sql_type('varchar') }}) || ' per minute; ' || coalesce(item_summary, item_type)
        as {{ sql_type('varchar') }}) as reason
from ranked
