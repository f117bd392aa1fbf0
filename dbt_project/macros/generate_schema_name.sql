{# Layers land in schemas named after them (staging, intermediate, marts), not <target>_<layer>:
   BI tools and the ML stage address marts.<model> whatever the target. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
