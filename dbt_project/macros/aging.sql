{# Aging buckets by days past due (aged from the due date; "current" = not yet past due). #}
{% macro aging_bucket(days_past_due) -%}
    case
        when {{ days_past_due }} <= 0 then 'current'
        when {{ days_past_due }} <= 30 then '1_30'
        when {{ days_past_due }} <= 60 then '31_60'
        when {{ days_past_due }} <= 90 then '61_90'
        when {{ days_past_due }} <= 120 then '91_120'
        else '120_plus'
    end
{%- endmacro %}

{% macro aging_buckets() -%}
    {{ return(['current', '1_30', '31_60', '61_90', '91_120', '120_plus']) }}
{%- endmacro %}
