{# The partition date as a SQL date literal. #}
{% macro as_of_date() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}

{# Whole days from start_date to end_date (negative when end is earlier), portable across targets. #}
{% macro days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as bigint)
{%- endmacro %}

{# Money keeps two decimals everywhere (DECIMAL(18,2) / NUMERIC(18,2)), never float. #}
{% macro money(expression) -%}
    cast({{ expression }} as {{ sql_type('numeric(18,2)') }})
{%- endmacro %}

{# A ratio rounded for reporting (and for exact comparisons in unit tests); round() on numeric
   because PostgreSQL has no round(double precision, int). #}
{% macro rounded(expression, decimals=4) -%}
    cast(round(cast({{ expression }} as {{ sql_type('numeric(38,10)') }}), {{ decimals }}) as {{ sql_type('double precision') }})
{%- endmacro %}

{# A ratio's numerator as double precision: DuckDB divides decimals in double precision, and
   casting first makes PostgreSQL and Spark do the same (Spark's decimal division would otherwise
   round the quotient to 6 places before the KPI is rounded to 4: 52.02135 -> 52.0214). #}
{% macro as_double(expression) -%}
    cast({{ expression }} as {{ sql_type('double precision') }})
{%- endmacro %}

{# One ERP table as extracted on the as-of date (raw keeps one full snapshot per extraction). #}
{% macro erp_snapshot(table) -%}
    select * from {{ source('erp', table) }} where _partition = {{ as_of_date() }}
{%- endmacro %}
