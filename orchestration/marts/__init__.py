"""Marts domain: the dbt project (staging → intermediate → marts) and the Parquet exports."""

import dagster as dg

from orchestration.marts.assets import (
    history_parquet,
    marts_parquet,
    relance_dbt_journey_models,
    relance_dbt_models,
    relance_dbt_scored_models,
)
from orchestration.marts.project import dbt_cli, relance_dbt_project

defs = dg.Definitions(
    assets=[relance_dbt_models, relance_dbt_scored_models, relance_dbt_journey_models, history_parquet, marts_parquet],
    resources={"dbt": dbt_cli(relance_dbt_project())},
)
