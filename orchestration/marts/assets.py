"""dbt models as Dagster assets (one per model, dbt tests as asset checks) on the daily
partition, and the Parquet export of the marts."""

import json
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration import settings
from orchestration.marts.parquet_export import export_marts
from orchestration.marts.project import relance_dbt_project
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import WarehouseResource

# dbt tags (in the models' config, by folder in dbt_project.yml) place the models in the daily
# job: after the ML stage has scored the day (they read ml.*), after the day's contact list (they
# read journeys.*), or before both.
AFTER_SCORING, AFTER_JOURNEYS = "tag:after_scoring", "tag:after_journeys"


class LayerTranslator(DagsterDbtTranslator):
    """Groups from the layer folder (staging, intermediate, marts); keys from model names."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` as of the partition date on the resource's warehouse (profiles.yml reads both
    vars): staging reads that day's snapshot, marts keep a slice per day. One artifact folder
    beside the warehouse, so the run's later dbt steps re-use the first one's parse (dbt parses
    in full whenever the vars change, i.e. once per partition). dbt's unit tests check the SQL
    against fixed rows, not the day's data: CI runs them (tests/test_marts.py), daily runs don't."""
    dbt_vars = {"as_of_date": context.partition_key, "warehouse": str(warehouse.file)}
    args = ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test"]
    yield from dbt.cli(args, context=context, target_path=warehouse.file.parent / "dbt_target").stream()


DBT_ASSET_OPTIONS = {"manifest": relance_dbt_project().manifest_path, "project": relance_dbt_project(),
                     "partitions_def": daily_partitions, "dagster_dbt_translator": LayerTranslator(),
                     "backfill_policy": ONE_RUN_PER_DAY}


@dbt_assets(exclude=f"{AFTER_SCORING} {AFTER_JOURNEYS}", **DBT_ASSET_OPTIONS)
def relance_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dbt_assets(select=AFTER_SCORING, name="relance_dbt_scored_models", **DBT_ASSET_OPTIONS)
def relance_dbt_scored_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dbt_assets(select=AFTER_JOURNEYS, name="relance_dbt_journey_models", **DBT_ASSET_OPTIONS)
def relance_dbt_journey_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dg.asset(group_name="marts", partitions_def=daily_partitions, compute_kind="parquet", backfill_policy=ONE_RUN_PER_DAY,
          deps=[key for assets in (relance_dbt_models, relance_dbt_scored_models, relance_dbt_journey_models)
                for key in assets.keys if assets.group_names_by_key[key] == "marts"],
          description="The marts' slice of the partition date as Parquet files for BI tools, one folder per "
                      "mart, Hive-partitioned by as_of_date, under RELANCE_HOME/exports.")
def marts_parquet(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    root = settings.home() / "exports"
    with warehouse.connect(read_only=True) as con:
        written = export_marts(con, root, context.partition_key)
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(root)),
                                          "rows": dg.MetadataValue.json(written)})
