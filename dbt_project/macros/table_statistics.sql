{# PostgreSQL plans each query from its tables' statistics, and a table dbt has just built has
   none until autovacuum gets to it: the next model's query is then planned blind. At 600
   customers mart_collections_kpis_monthly ran for over 8 minutes on such a plan, and in 0.15 s
   once its inputs were analysed. DuckDB and Spark keep their own statistics: nothing to do. #}
{% macro analyze_after_build() %}
    {% if target.type == 'postgres' and config.get('materialized') in ('table', 'incremental') %}
        analyze {{ this }}
    {% endif %}
{% endmacro %}
