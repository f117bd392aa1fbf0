{# Per key, the value with the largest total weight (ties: the smallest value). #}
{% macro most_frequent(relation, key, value, weight) -%}
    select {{ key }}, {{ value }} from (
        select {{ key }}, {{ value }},
               row_number() over (partition by {{ key }} order by sum({{ weight }}) desc, {{ value }}) as rank_in_key
        from {{ relation }}
        group by {{ key }}, {{ value }}
        having sum({{ weight }}) > 0
    ) as ranked
    where rank_in_key = 1
{%- endmacro %}
