{{ config(**daily_slices(tags=['after_scoring'])) }}
-- depends_on: {{ source('ml', 'invoice_scores') }}
-- Expected collections per week for the next 13 weeks, per currency, from the payment-delay
-- champion's scores of every open invoice. Each invoice's chance of being paid in a week comes
-- from its predicted days-late distribution (P10/P50/P90), conditioned on not being paid yet;
-- the weekly P10/P90 band treats invoices as independent (normal approximation of the sum).
with scores as (
    {{ ml_scores('invoice_scores', {'invoice_id': 'varchar', 'currency_code': 'varchar', 'due_date': 'date',
                                    'open_amount': 'numeric(18,2)', 'p10_days_late': 'double precision',
                                    'p50_days_late': 'double precision', 'p90_days_late': 'double precision'}) }}
),
weeks as (
    {% for week in range(1, 14) %}
    select {{ week }} as week_number{{ " union all" if not loop.last }}
    {% endfor %}
),
invoice_weeks as (
    select
        scores.*,
        weeks.week_number,
        cast({{ dbt.dateadd('day', '7 * (weeks.week_number - 1) + 1', as_of_date()) }} as date) as week_start,
        cast({{ dbt.dateadd('day', '7 * weeks.week_number', as_of_date()) }} as date) as week_end,
        {{ days_between('scores.due_date', as_of_date()) }} as days_late_today
    from scores cross join weeks
),
probabilities as (
    select
        *,
        ({{ delay_cdf(days_between('due_date', 'week_end') ~ ' + 0.5', 'p10_days_late', 'p50_days_late', 'p90_days_late') }}
         - {{ delay_cdf(days_between('due_date', 'week_start') ~ ' - 0.5', 'p10_days_late', 'p50_days_late', 'p90_days_late') }})
        / greatest(1.0 - {{ delay_cdf('days_late_today + 0.5', 'p10_days_late', 'p50_days_late', 'p90_days_late') }}, 0.05)
            as raw_probability
    from invoice_weeks
),
bounded as (
    select *, least(greatest(raw_probability, 0.0), 1.0) as pay_probability from probabilities
),
final as (
    select
        {{ as_of_date() }} as as_of_date,
        currency_code,
        week_number,
        week_start,
        week_end,
        {{ money('sum(open_amount * pay_probability)') }} as expected_collections,
        {{ money('greatest(sum(open_amount * pay_probability) - 1.2816 * sqrt(sum(open_amount * open_amount * pay_probability * (1 - pay_probability))), 0)') }} as collections_p10,
        {{ money('sum(open_amount * pay_probability) + 1.2816 * sqrt(sum(open_amount * open_amount * pay_probability * (1 - pay_probability)))') }} as collections_p90,
        count(*) filter (where pay_probability > 0.5) as invoices_likely_paid
    from bounded
    group by currency_code, week_number, week_start, week_end
)
select * from final
