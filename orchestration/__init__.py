"""Dagster wiring for Relance. The logic lives in Dagster-free packages (erp, data_quality, ml,
journeys); this package only turns it into assets, checks, resources, schedules and sensors."""

import os

# Telemetry off also when Dagster is started without the Makefile (which exports the same
# switches). Dagster's is off in the instance's dagster.yaml (orchestration/dagster.yaml; ephemeral
# instances never send), dbt's in dbt_project.yml; these three libraries read only the
# environment, when the assets import them, so the switch has to be in it first. setdefault:
# a user's own value wins.
for _name, _value in {"GX_ANALYTICS_ENABLED": "false", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}.items():
    os.environ.setdefault(_name, _value)
