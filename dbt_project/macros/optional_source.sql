{# Rows of a table that another stage of the pipeline writes (ml.*, journeys.*), or no rows
   (with the same columns) while that stage has not written it yet: the marts build before the
   first model is trained and before the first contact list. The caller declares the dependency
   with a `-- depends_on: {{ source(...) }}` comment so that the lineage holds even when the
   table is absent at parse time. #}
{% macro optional_source(source_name, table, columns, where=none) %}
    {%- set relation = adapter.get_relation(database=target.database, schema=source_name, identifier=table) if execute else none -%}
    {%- if relation is not none -%}
        {#- a column a later model brings is null in a table written before it (ml.invoice_scores grows) -#}
        {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        select {% for name, type in columns.items() %}{{ name if name in present else 'cast(null as ' ~ sql_type(type) ~ ') as ' ~ name }}{{ ', ' if not loop.last }}{% endfor %}
        from {{ source(source_name, table) }}{% if where %} where {{ where }}{% endif %}
    {%- else -%}
        select {% for name, type in columns.items() %}cast(null as {{ sql_type(type) }}) as {{ name }}{{ ', ' if not loop.last }}{% endfor %}
        where 1 = 0
    {%- endif -%}
{% endmacro %}

{# An ml.* score table's slice for the as-of date. #}
{% macro ml_scores(table, columns) %}
    {{- optional_source('ml', table, columns, 'as_of_date = ' ~ as_of_date()) -}}
{% endmacro %}
