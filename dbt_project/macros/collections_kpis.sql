{# The collections KPIs for one period type; mart_collections_kpis_daily and _monthly differ only
   in their periods (see int_kpi_periods). Formulas and variant names are in the marts' YAML. #}
{% macro collections_kpis(period_type) %}
with balances as (
    select * from {{ ref('int_kpi_period_balances') }} where period_type = '{{ period_type }}'
),
countback as (
    select * from {{ ref('int_kpi_period_countback') }} where period_type = '{{ period_type }}'
),
settled as (
    select balances.period_end, balances.currency_code,
           count(*) as settled_invoices,
           avg(invoices.days_to_pay) as avg_days_to_pay,
           {{ as_double('sum(invoices.days_to_pay * invoices.invoice_amount)') }} / nullif(sum(invoices.invoice_amount), 0) as weighted_avg_days_to_pay,
           {{ as_double('sum(invoices.days_late_at_settlement * invoices.invoice_amount)') }} / nullif(sum(invoices.invoice_amount), 0) as weighted_avg_days_late
    from balances
    join {{ ref('int_invoices_lifecycle') }} as invoices
      on invoices.currency_code = balances.currency_code and invoices.invoice_status = 'paid'
     and invoices.settled_on between balances.period_start and balances.period_end
    group by 1, 2
),
promises as (
    select balances.period_end, balances.currency_code,
           count(*) filter (where promises.promise_status = 'kept') as promises_kept,
           count(*) filter (where promises.promise_status = 'broken') as promises_broken
    from balances
    join {{ ref('int_promises_to_pay_evaluated') }} as promises
      on promises.promised_for between balances.period_start and balances.period_end
    join {{ ref('stg_erp__invoices') }} as invoices
      on invoices.invoice_id = promises.invoice_id and invoices.currency_code = balances.currency_code
    group by 1, 2
),
month_sales as (
    select currency_code, cast({{ dbt.date_trunc('month', 'movement_date') }} as date) as month_start, sum(amount) as sales
    from {{ ref('int_ar_ledger') }} where movement_type = 'invoice'
    group by 1, 2
),
true_dso as (
    select balances.period_end, balances.currency_code,
           sum({{ as_double(days_between('invoices.issue_date', 'balances.period_end') ~ ' * open_at.open_amount') }} / month_sales.sales) as true_dso
    from balances
    join {{ ref('int_ar_open_at_dates') }} as open_at
      on open_at.balance_date = balances.period_end and open_at.currency_code = balances.currency_code
    join {{ ref('stg_erp__invoices') }} as invoices on invoices.invoice_id = open_at.invoice_id
    join month_sales
      on month_sales.currency_code = open_at.currency_code
     and month_sales.month_start = cast({{ dbt.date_trunc('month', 'invoices.issue_date') }} as date)
    group by 1, 2
),
final as (
    select
        {{ as_of_date() }} as as_of_date,
        balances.period_start,
        balances.period_end,
        balances.period_days,
        balances.currency_code,
        balances.beginning_ar,
        balances.ending_ar,
        balances.ending_current_ar,
        {{ money('balances.ending_ar - balances.ending_current_ar') }} as ending_overdue_ar,
        balances.credit_sales,
        balances.collected_amount,
        balances.credited_amount,
        {{ rounded(as_double("balances.ending_ar * balances.period_days") ~ " / nullif(balances.credit_sales, 0)") }} as dso_standard,
        {{ rounded(as_double("balances.ending_current_ar * balances.period_days") ~ " / nullif(balances.credit_sales, 0)") }} as best_possible_dso_standard,
        {{ rounded(as_double("(balances.ending_ar - balances.ending_current_ar) * balances.period_days") ~ " / nullif(balances.credit_sales, 0)") }} as add_standard,
        {{ rounded("countback.dso_countback") }} as dso_countback,
        {{ rounded("countback.best_possible_dso_countback") }} as best_possible_dso_countback,
        {{ rounded("countback.dso_countback - countback.best_possible_dso_countback") }} as add_countback,
        {{ rounded(as_double("100.0 * (balances.beginning_ar + balances.credit_sales - balances.ending_ar)")
             ~ " / nullif(balances.beginning_ar + balances.credit_sales - balances.ending_current_ar, 0)") }} as cei_pct,
        {{ rounded(as_double("100.0 * balances.ending_current_ar") ~ " / nullif(balances.ending_ar, 0)") }} as pct_current,
        {{ rounded("true_dso.true_dso") }} as true_dso,
        coalesce(settled.settled_invoices, 0) as settled_invoices,
        {{ rounded("settled.avg_days_to_pay") }} as avg_days_to_pay,
        {{ rounded("settled.weighted_avg_days_to_pay") }} as weighted_avg_days_to_pay,
        {{ rounded("settled.weighted_avg_days_late") }} as weighted_avg_days_late,
        coalesce(promises.promises_kept, 0) as promises_kept,
        coalesce(promises.promises_broken, 0) as promises_broken,
        {{ rounded(as_double('100.0 * promises.promises_kept') ~ ' / nullif(promises.promises_kept + promises.promises_broken, 0)') }} as ptp_kept_rate_pct
    from balances
    left join countback using (period_end, currency_code)
    left join settled using (period_end, currency_code)
    left join promises using (period_end, currency_code)
    left join true_dso using (period_end, currency_code)
)
select * from final
{% endmacro %}
