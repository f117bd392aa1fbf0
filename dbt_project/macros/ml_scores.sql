{# Rows of an ml.* score table for the as-of date, or no rows (with the same columns) while the
   ML stage has not written it yet: the marts build before the first model is trained. The
   caller declares the dependency with a `-- depends_on: {{ source(...) }}` comment so that
   the lineage holds even when the table is absent at parse time. #}
{% macro ml_scores(table, columns) %}
    {%- set relation = adapter.get_relation(database=target.database, schema='ml', identifier=table) if execute else none -%}
    {%- if relation is not none -%}
        select {{ columns.keys() | join(', ') }} from {{ source('ml', table) }} where as_of_date = {{ as_of_date() }}
    {%- else -%}
        select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{{ ', ' if not loop.last }}{% endfor %}
        where 1 = 0
    {%- endif -%}
{% endmacro %}
