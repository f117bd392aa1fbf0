{# SQL that DuckDB, PostgreSQL and Spark spell differently, dispatched on the adapter (the DuckDB
   spelling is what the models used before; the others give the same results). #}

{# The items of a list column (invoice ids) as rows: a FROM-clause item after `from <relation>`. #}
{% macro list_to_rows(column, alias, name) -%}
    {{ return(adapter.dispatch('list_to_rows')(column, alias, name)) }}
{%- endmacro %}

{% macro default__list_to_rows(column, alias, name) -%}
    cross join unnest({{ column }}) as {{ alias }} ({{ name }})
{%- endmacro %}

{% macro spark__list_to_rows(column, alias, name) -%}
    lateral view explode({{ column }}) {{ alias }} as {{ name }}
{%- endmacro %}

{# The values of a group joined with a delimiter, in ascending order of the values. #}
{% macro sorted_string_agg(measure, delimiter) -%}
    {{ return(adapter.dispatch('sorted_string_agg')(measure, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(measure, delimiter) -%}
    string_agg({{ measure }}, {{ delimiter }} order by {{ measure }})
{%- endmacro %}

{% macro spark__sorted_string_agg(measure, delimiter) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter }})
{%- endmacro %}

{# The most frequent value of a group. #}
{% macro most_common(expression) -%}
    {{ return(adapter.dispatch('most_common')(expression)) }}
{%- endmacro %}

{% macro default__most_common(expression) -%}
    mode({{ expression }})
{%- endmacro %}

{% macro postgres__most_common(expression) -%}
    mode() within group (order by {{ expression }})
{%- endmacro %}

{# A date as ISO text (YYYY-MM-DD). #}
{% macro iso_date_text(expression) -%}
    cast(cast({{ expression }} as date) as {{ dbt.type_string() }})
{%- endmacro %}

{# A SQL type as the target spells it: the models write the standard names (varchar, integer,
   double precision, numeric(p,s), boolean, date, timestamp); Spark says string, double, decimal. #}
{% macro sql_type(name) -%}
    {{ return(adapter.dispatch('sql_type')(name)) }}
{%- endmacro %}

{% macro default__sql_type(name) -%}
    {{ name }}
{%- endmacro %}

{% macro spark__sql_type(name) -%}
    {%- set spelled = {'varchar': 'string', 'text': 'string', 'json': 'string', 'double precision': 'double', 'integer': 'int',
                       'varchar[]': 'array<string>'} -%}
    {{ spelled.get(name | lower, name | lower | replace('numeric', 'decimal')) }}
{%- endmacro %}

{# How a mart keeps one slice per as-of date: rebuilding a day replaces that day's rows only.
   Spark has no delete+insert on plain Parquet tables: it overwrites the day's partition instead. #}
{% macro daily_slices(tags=[]) -%}
    {%- set slices = {'materialized': 'incremental', 'on_schema_change': 'fail', 'tags': tags} -%}
    {%- if target.type == 'spark' -%}
        {%- do slices.update({'incremental_strategy': 'insert_overwrite', 'partition_by': ['as_of_date'],
                              'file_format': 'parquet'}) -%}
    {%- else -%}
        {%- do slices.update({'incremental_strategy': 'delete+insert', 'unique_key': 'as_of_date'}) -%}
    {%- endif -%}
    {{ return(slices) }}
{%- endmacro %}

{# A text field of a JSON document (the portal events' payload). #}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    ({{ column }} ->> '{{ key }}')
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}
