"""The collector worklist as a Dagster asset: a CSV per owner, the top rows in the Dagster UI."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration import settings
from orchestration.marts.assets import relance_dbt_journey_models
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import WarehouseResource

WORKLIST = dg.AssetKey(["journeys", "collector_worklist"])


@dg.asset(
    key=WORKLIST,
    deps=[get_asset_key_for_model([relance_dbt_journey_models], "mart_collector_worklist")],
    compute_kind="csv",
    partitions_def=daily_partitions,
    backfill_policy=ONE_RUN_PER_DAY,
    group_name="journeys",
    description="The day's collector worklist (mart_collector_worklist: what needs a person, ranked by "
    "expected cash per minute) as one CSV per suggested owner in RELANCE_HOME/exports/worklist/<day>/, "
    "with the top rows shown here.",
)
def collector_worklist(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from journeys import worklist

    with warehouse.connect(read_only=True) as con:
        items = worklist.load(con, context.partition_key)
    files = worklist.write_per_owner(items, settings.worklist_dir() / context.partition_key)
    return dg.MaterializeResult(
        metadata={
            "items": len(items),
            "items_by_type": dg.MetadataValue.json(items.item_type.value_counts().to_dict()),
            "owners": len(files),
            "folder": dg.MetadataValue.path(str(settings.worklist_dir() / context.partition_key)),
            "top_items": dg.MetadataValue.md(worklist.top_markdown(items)),
        }
    )
