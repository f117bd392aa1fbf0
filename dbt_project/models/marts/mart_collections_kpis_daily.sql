{{ config(**daily_slices()) }}
{{ collections_kpis('daily') }}
