{# The few generic tests the project needs (dbt Hub packages are unreachable offline). #}

{% test expression_is_true(model, expression, where=none) %}
select * from {{ model }}
where not ({{ expression }}){% if where %} and ({{ where }}){% endif %}
{% endtest %}

{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
select * from {{ model }}
where {{ column_name }} is not null and (
    {% if min_value is not none %}{{ column_name }} < {{ min_value }}{% else %}false{% endif %}
    or {% if max_value is not none %}{{ column_name }} > {{ max_value }}{% else %}false{% endif %}
)
{% endtest %}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n from {{ model }}
group by {{ columns | join(', ') }} having count(*) > 1
{% endtest %}

{# Sums of a column grouped by a key agree between two models, to the cent (compare_where: the
   rows of the compared model that count). #}
{% test sums_match(model, column_name, key, compare_model, compare_column, compare_key=none, compare_where=none) %}
with a as (select {{ key }} as k, sum({{ column_name }}) as total from {{ model }} group by 1),
     b as (select {{ compare_key or key }} as k, sum({{ compare_column }}) as total from {{ compare_model }}
           {% if compare_where %}where {{ compare_where }}{% endif %} group by 1)
select coalesce(a.k, b.k) as k, a.total as total_a, b.total as total_b
from a full outer join b on a.k = b.k
where abs(coalesce(a.total, 0) - coalesce(b.total, 0)) >= 0.01
{% endtest %}

{# Every non-null value is a word of the shared vocabulary (erp/vocabulary.yaml, the
   `vocabulary` seed): segments, channels, tones and incentives are named one way everywhere. #}
{% test in_vocabulary(model, column_name, kind) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (select name from {{ ref('vocabulary') }} where kind = '{{ kind }}')
{% endtest %}
