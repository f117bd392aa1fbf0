{# P(days late <= x) from three predicted quantiles: piecewise linear through (P10, 0.1),
   (P50, 0.5), (P90, 0.9), with linear tails reaching 0 and 1 one segment-width beyond. #}
{% macro delay_cdf(x, p10, p50, p90) -%}
    case
        when {{ x }} <= {{ p10 }} - greatest({{ p50 }} - {{ p10 }}, 1) then 0.0
        when {{ x }} <= {{ p10 }} then 0.1 * ({{ x }} - ({{ p10 }} - greatest({{ p50 }} - {{ p10 }}, 1))) / greatest({{ p50 }} - {{ p10 }}, 1)
        when {{ x }} <= {{ p50 }} then 0.1 + 0.4 * ({{ x }} - {{ p10 }}) / greatest({{ p50 }} - {{ p10 }}, 0.01)
        when {{ x }} <= {{ p90 }} then 0.5 + 0.4 * ({{ x }} - {{ p50 }}) / greatest({{ p90 }} - {{ p50 }}, 0.01)
        when {{ x }} <= {{ p90 }} + greatest({{ p90 }} - {{ p50 }}, 1) then 0.9 + 0.1 * ({{ x }} - {{ p90 }}) / greatest({{ p90 }} - {{ p50 }}, 1)
        else 1.0
    end
{%- endmacro %}
