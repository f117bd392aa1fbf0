"""Dagster wiring for Relance. The logic lives in Dagster-free packages (erp, data_quality, ml,
journeys); this package only turns it into assets, checks, resources, schedules and sensors."""
