"""The daily partition: one extraction date (a drop folder) per partition, in UTC as the
contract cuts events at the end of the UTC day."""

import warnings

import dagster as dg

# One run per day is the semantics of every partitioned asset here, so the backfill policy is
# set knowingly although Dagster still flags that parameter as beta.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")

# Early enough for real exports' history (the IBM sample ends in 2014).
PARTITIONS_START = "2010-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")

# Each extraction date is its own run: a day's snapshot replaces that day, in date order.
ONE_RUN_PER_DAY = dg.BackfillPolicy.multi_run(1)


def is_backfill(partition_key: str, warehouse) -> bool:
    """Whether this run is for a day older than the newest one loaded: such a run recomputes
    history (the raw partition, the marts' as-of slices, the KPI history) but plans and sends
    nothing and leaves the latest-state tables that readers use as they are."""
    from erp.ingest import latest_partition

    if not warehouse.file.exists():  # nothing loaded yet (a step that runs before ingestion)
        return False
    with warehouse.connect(read_only=True) as con:
        latest = latest_partition(con)
    return latest is not None and partition_key < latest
