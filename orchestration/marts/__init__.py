"""Marts domain: the dbt project (staging → intermediate → marts) and the Parquet export."""

import dagster as dg

from orchestration.marts.assets import (
                                         marts_parquet,
                                         relance_dbt_journey_models,
                                         relance_dbt_models,
                                         relance_dbt_scored_models,
)
from orchestration.marts.project import dbt_cli, relance_dbt_project

defs = dg.Definitions(
    assets=[relance_dbt_models, relance_dbt_scored_models, relance_dbt_journey_models, marts_parquet],
    resources={"dbt": dbt_cli(relance_dbt_project())},
)
