{{ config(**daily_slices()) }}
{{ collections_kpis('monthly') }}
