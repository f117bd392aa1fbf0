-- Per period and currency: receivables at the start and end, the part of the ending balance not
-- yet due, credit sales, cash collected and credit notes in the period.
with periods as (
    select * from {{ ref('int_kpi_periods') }}
),
open_at as (
    select balance_date, currency_code,
           sum(open_amount) as total_ar,
           sum(case when due_date >= balance_date then open_amount else 0 end) as current_ar
    from {{ ref('int_ar_open_at_dates') }}
    group by 1, 2
),
flows as (
    select periods.period_type, periods.period_end, periods.currency_code,
           sum(case when ledger.movement_type = 'invoice' then ledger.amount else 0 end) as credit_sales,
           -sum(case when ledger.movement_type = 'payment' then ledger.amount else 0 end) as collected_amount,
           -sum(case when ledger.movement_type = 'credit_note' then ledger.amount else 0 end) as credited_amount
    from periods
    join {{ ref('int_ar_ledger') }} as ledger
      on ledger.currency_code = periods.currency_code
     and ledger.movement_date between periods.period_start and periods.period_end
    group by 1, 2, 3
),
final as (
    select
        periods.*,
        {{ money('coalesce(opening.total_ar, 0)') }} as beginning_ar,
        {{ money('coalesce(closing.total_ar, 0)') }} as ending_ar,
        {{ money('coalesce(closing.current_ar, 0)') }} as ending_current_ar,
        {{ money('coalesce(flows.credit_sales, 0)') }} as credit_sales,
        {{ money('coalesce(flows.collected_amount, 0)') }} as collected_amount,
        {{ money('coalesce(flows.credited_amount, 0)') }} as credited_amount
    from periods
    left join open_at as opening
      on opening.currency_code = periods.currency_code
     and opening.balance_date = cast({{ dbt.dateadd('day', -1, 'periods.period_start') }} as date)
    left join open_at as closing
      on closing.currency_code = periods.currency_code and closing.balance_date = periods.period_end
    left join flows
      on flows.period_type = periods.period_type and flows.period_end = periods.period_end
     and flows.currency_code = periods.currency_code
)
select * from final
