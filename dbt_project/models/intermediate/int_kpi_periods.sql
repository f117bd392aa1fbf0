-- The periods the KPI marts report on, per currency:
-- * daily: the trailing {{ var('kpi_trailing_days') }} days ending on the as-of date;
-- * monthly: each complete calendar month of the snapshot, except those starting in the first 90
--   days of its history window (invoices issued before the window and still open then are no
--   longer in the snapshot, so their opening balances would be understated).
{% set trailing = var('kpi_trailing_days') %}
with invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),
currencies as (
    select distinct currency_code from invoices
),
bounds as (
    select {{ dbt.dateadd('day', 90, 'min(issue_date)') }} as first_full_start from invoices
),
months as (
    select distinct cast({{ dbt.date_trunc('month', 'issue_date') }} as date) as period_start
    from invoices
),
periods as (
    select 'daily' as period_type,
           cast({{ dbt.dateadd('day', 1 - trailing, as_of_date()) }} as date) as period_start,
           {{ as_of_date() }} as period_end
    union all
    select 'monthly', months.period_start,
           cast({{ dbt.last_day('months.period_start', 'month') }} as date)
    from months cross join bounds
    where months.period_start >= bounds.first_full_start
      and {{ dbt.last_day('months.period_start', 'month') }} <= {{ as_of_date() }}
),
final as (
    select periods.period_type, periods.period_start, periods.period_end, currencies.currency_code,
           {{ days_between('periods.period_start', 'periods.period_end') }} + 1 as period_days
    from periods cross join currencies
)
select * from final
