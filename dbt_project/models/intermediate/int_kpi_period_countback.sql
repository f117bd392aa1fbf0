-- Countback DSO (and best possible DSO) per period: start from the ending receivables and walk
-- back month by month, taking each month's credit sales with its actual days while the
-- receivables cover them, then the fraction of the last month they reach.
-- Months end at the period end (the as-of month counts its days so far).
with balances as (
    select * from {{ ref('int_kpi_period_balances') }}
),
months as (
    select distinct cast({{ dbt.date_trunc('month', 'movement_date') }} as date) as month_start
    from {{ ref('int_ar_ledger') }}
    where movement_type = 'invoice'
),
period_months as (
    select balances.period_type, balances.period_end, balances.currency_code,
           balances.ending_ar, balances.ending_current_ar, months.month_start,
           least(cast({{ dbt.last_day('months.month_start', 'month') }} as date), balances.period_end) as month_end
    from balances
    join months on months.month_start <= balances.period_end
),
sales as (
    select period_months.period_type, period_months.period_end, period_months.currency_code,
           period_months.month_start, period_months.month_end,
           max(period_months.ending_ar) as ending_ar,
           max(period_months.ending_current_ar) as ending_current_ar,
           {{ days_between('period_months.month_start', 'period_months.month_end') }} + 1 as month_days,
           coalesce(sum(ledger.amount), 0) as month_sales
    from period_months
    left join {{ ref('int_ar_ledger') }} as ledger
      on ledger.currency_code = period_months.currency_code and ledger.movement_type = 'invoice'
     and ledger.movement_date between period_months.month_start and period_months.month_end
    group by 1, 2, 3, 4, 5
),
walked as (
    select sales.*,
           coalesce(sum(month_sales) over (
               partition by period_type, period_end, currency_code order by month_start desc
               rows between unbounded preceding and 1 preceding), 0) as later_sales
    from sales
),
final as (
    select
        period_type, period_end, currency_code,
        {% for name, balance in [('dso_countback', 'ending_ar'), ('best_possible_dso_countback', 'ending_current_ar')] %}
        {{ rounded("sum(case
                when " ~ balance ~ " - later_sales > 0 and " ~ balance ~ " - later_sales >= month_sales then month_days
                when " ~ balance ~ " - later_sales > 0 and month_sales > 0
                    then " ~ as_double('(' ~ balance ~ ' - later_sales) * month_days') ~ " / month_sales
                else 0
            end)") }} as {{ name }}{{ "," if not loop.last }}
        {% endfor %}
    from walked
    group by 1, 2, 3
)
select * from final
