-- Open balance of each invoice at the end of each date a KPI needs: every period end and the
-- day before every period start. Only invoices issued by then and not settled before it count.
with dates as (
    select distinct currency_code, period_end as balance_date from {{ ref('int_kpi_periods') }}
    union
    select distinct currency_code, cast({{ dbt.dateadd('day', -1, 'period_start') }} as date)
    from {{ ref('int_kpi_periods') }}
),
invoices as (
    select invoice_id, currency_code, issue_date, due_date, settled_on
    from {{ ref('int_invoices_lifecycle') }}
),
candidates as (
    select dates.balance_date, invoices.*
    from dates
    join invoices
      on invoices.currency_code = dates.currency_code
     and invoices.issue_date <= dates.balance_date
     and (invoices.settled_on is null or invoices.settled_on > dates.balance_date)
),
balances as (
    select candidates.balance_date, candidates.invoice_id, candidates.currency_code, candidates.due_date,
           sum(ledger.amount) as balance
    from candidates
    join {{ ref('int_ar_ledger') }} as ledger
      on ledger.invoice_id = candidates.invoice_id and ledger.movement_date <= candidates.balance_date
    group by 1, 2, 3, 4
)
select balance_date, invoice_id, currency_code, due_date, {{ money('balance') }} as open_amount
from balances
where balance > 0
