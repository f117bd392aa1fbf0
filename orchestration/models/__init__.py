"""Models domain: training (weekly / on demand / on drift) and daily scoring."""

import dagster as dg

from orchestration.models.assets import ml_scores, training_assets
from orchestration.models.jobs import retrain_on_drift, training_job, weekly_training

defs = dg.Definitions(
    assets=[*training_assets, ml_scores], jobs=[training_job], schedules=[weekly_training], sensors=[retrain_on_drift]
)
