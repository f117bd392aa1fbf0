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
