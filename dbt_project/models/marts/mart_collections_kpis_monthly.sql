{{ config(materialized='incremental', unique_key='as_of_date', incremental_strategy='delete+insert',
          on_schema_change='fail') }}
{{ collections_kpis('monthly') }}
