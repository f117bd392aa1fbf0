{# A UTC timestamp as wall-clock time in an IANA zone; each target spells it differently. #}
{% macro to_local_time(utc_timestamp, zone) -%}
    {{ return(adapter.dispatch('to_local_time')(utc_timestamp, zone)) }}
{%- endmacro %}

{% macro default__to_local_time(utc_timestamp, zone) -%}
    (({{ utc_timestamp }} at time zone 'UTC') at time zone {{ zone }})
{%- endmacro %}

{% macro duckdb__to_local_time(utc_timestamp, zone) -%}
    cast(timezone({{ zone }}, timezone('UTC', {{ utc_timestamp }})) as timestamp)
{%- endmacro %}

{% macro hour_of(ts) -%}
    cast(extract(hour from {{ ts }}) as integer)
{%- endmacro %}

{# ISO weekday, Monday = 1 … Sunday = 7. #}
{% macro iso_weekday(ts) -%}
    {{ return(adapter.dispatch('iso_weekday')(ts)) }}
{%- endmacro %}

{% macro default__iso_weekday(ts) -%}
    cast(extract(isodow from {{ ts }}) as integer)
{%- endmacro %}

{% macro spark__iso_weekday(ts) -%}
    cast(extract(dow_iso from {{ ts }}) as integer)
{%- endmacro %}

{% macro spark__to_local_time(utc_timestamp, zone) -%}
    from_utc_timestamp(cast({{ utc_timestamp }} as timestamp), {{ zone }})
{%- endmacro %}
