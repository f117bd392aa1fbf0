-- What one unit of each currency is worth in the reporting currency as of the partition date:
-- the ERP's latest rate on or before that date, read as exported (currency -> reporting) or,
-- when the export only states the other direction, inverted; a rate of the same day read
-- directly wins. Empty without a reporting currency (var reporting_currency) or without an
-- exported rate for a currency: Relance converts only with the ERP's own rates, never guesses.
-- depends_on: {{ ref('stg_erp__exchange_rates') }} (also without a reporting currency: the unit test sets one)
{%- set reporting = var('reporting_currency') %}
{%- if reporting and not modules.re.fullmatch('[A-Z]{3}', reporting) %}
    {{ exceptions.raise_compiler_error("var reporting_currency must be an ISO 4217 code such as EUR, not " ~ reporting) }}
{%- endif %}
{%- if reporting %}
with rates as (
    select * from {{ ref('stg_erp__exchange_rates') }}
    where rate_date <= {{ as_of_date() }}
),
directed as (
    select from_currency as currency_code, rate_date, {{ as_double('rate') }} as rate_to_reporting, 0 as inverted
    from rates
    where to_currency = '{{ reporting }}'
    union all
    select to_currency as currency_code, rate_date, 1 / {{ as_double('rate') }} as rate_to_reporting, 1 as inverted
    from rates
    where from_currency = '{{ reporting }}'
),
ranked as (
    select
        *,
        row_number() over (partition by currency_code order by rate_date desc, inverted asc) as recency
    from directed
),
final as (
    select
        currency_code,
        '{{ reporting }}' as reporting_currency_code,
        rate_to_reporting,
        rate_date,
        inverted = 1 as is_inverted
    from ranked
    where recency = 1
    union all
    select
        '{{ reporting }}' as currency_code,
        '{{ reporting }}' as reporting_currency_code,
        {{ as_double('1') }} as rate_to_reporting,
        {{ as_of_date() }} as rate_date,
        false as is_inverted
)
{%- else %}
with final as (
    select
        cast(null as {{ sql_type('varchar') }}) as currency_code,
        cast(null as {{ sql_type('varchar') }}) as reporting_currency_code,
        {{ as_double('null') }} as rate_to_reporting,
        cast(null as date) as rate_date,
        false as is_inverted
    from (select 1 as placeholder) as no_rates
    where 1 = 0
)
{%- endif %}
select * from final
