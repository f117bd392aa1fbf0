"""The daily partition: one extraction date (a drop folder) per partition, in UTC as the
contract cuts events at the end of the UTC day."""

import logging
import warnings
from datetime import timedelta

import dagster as dg

from orchestration import settings

log = logging.getLogger(__name__)

# One run per day is the semantics of every partitioned asset here, so the backfill policy is
# set knowingly although Dagster still flags that parameter as beta.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")


def partitions_start() -> str:
    """The first daily partition, where the data starts: RELANCE_HISTORY_START when set, else the
    configured source's earliest extraction date (erp.sources.ErpSource.first_partition: the
    first drop folder, the simulated history's start, an adapter's export date), else — nothing
    there yet, or a source that cannot be read now — the retention window before yesterday.
    Read when Dagster loads the definitions: reload them after adding older drops."""
    configured = settings.history_start()
    if configured:
        return configured
    from erp.sources import yesterday_utc
    from orchestration.resources import ErpSourceResource

    try:
        first = ErpSourceResource().source().first_partition()
    except Exception as error:  # noqa: BLE001 (the definitions load whatever state the source is in)
        log.warning("partitions start at the retention window: the ERP source cannot be read now (%s)", error)
        first = None
    return first or (yesterday_utc() - timedelta(days=settings.retention_days())).isoformat()


daily_partitions = dg.DailyPartitionsDefinition(start_date=partitions_start(), timezone="UTC")

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


def require_marts_of(partition_key: str, marts_as_of, warehouse) -> None:
    """Stop a stage that reads the marts when they hold another day than its partition (the
    day's dbt models not built, or built on another engine): scores or a plan made from another
    day's marts would be stored under this day as if they were its own. ``marts_as_of``: a
    timestamp, NaT when the marts are empty."""
    held = None if marts_as_of is None or marts_as_of != marts_as_of else str(marts_as_of.date())  # NaT != NaT
    if held == partition_key:
        return
    engine = warehouse.engine_name
    remote = (
        f"; RELANCE_ENGINE={engine} builds them there, and the stages after dbt read DuckDB's"
        if engine != "duckdb"
        else ""
    )
    raise ValueError(
        f"the marts hold {held or 'no day'}, not partition {partition_key}: "
        f"materialize the day's dbt models first{remote}"
    )
