"""Dagster wiring for Relance. The logic lives in Dagster-free packages (erp, data_quality, ml,
journeys); this package only turns it into assets, checks, resources, schedules and sensors."""

import os

# Telemetry off everywhere, also when Dagster is started without the Makefile (which exports
# the same switches): these are read by the libraries when runs import them.
for _name, _value in {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)
