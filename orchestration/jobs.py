"""The daily job over every partitioned asset, its 06:00 schedule and the new-drop sensor."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration import settings
from orchestration.ingestion.sensors import build_new_drop_sensor
from orchestration.partitions import daily_partitions

# DuckDB takes one writer at a time: the steps of a run execute one after the other in one process.
daily_job = dg.define_asset_job(
    "daily_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("ml_training"),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="Everything for one extraction date: drop → raw → checks → downstream stages.",
)


@dg.schedule(
    job=daily_job,
    cron_schedule="0 6 * * *",
    execution_timezone=settings.schedule_timezone(),
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="At 06:00 (RELANCE_SCHEDULE_TIMEZONE) run the daily job for yesterday's extraction (UTC day).",
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """At 06:00 (RELANCE_SCHEDULE_TIMEZONE) process yesterday's extraction (UTC day)."""
    scheduled = context.scheduled_execution_time or datetime.now(UTC)
    partition = (scheduled.astimezone(UTC).date() - timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=partition, partition_key=partition)


defs = dg.Definitions(jobs=[daily_job], schedules=[daily_schedule], sensors=[build_new_drop_sensor(daily_job)])
