"""dbt models as Dagster assets (one per model, dbt tests as asset checks) on the daily
partition, and the Parquet export of the marts."""

import json
import os
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from orchestration import settings
from orchestration.marts.parquet_export import export_marts
from orchestration.marts.project import relance_dbt_project
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import WarehouseResource

# Built after the ML stage has scored the day (they read ml.*), and after the day's contact list
# (they read journeys.*); everything else builds before both.
SCORED_MODELS = "dim_customer_360 mart_cash_forecast mart_dunning_book mart_customer_alerts"
JOURNEY_MODELS = "stg_journeys__experiment_exposures mart_experiment_results"
MART_NAMES = ["fct_invoices", "fct_payments", "fct_contacts", "mart_ar_aging", "mart_collections_kpis_daily",
              "mart_collections_kpis_monthly"]


class LayerTranslator(DagsterDbtTranslator):
    """Groups from the layer folder (staging, intermediate, marts); keys from model names."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` as of the partition date: staging reads that day's snapshot, marts keep a slice per day."""
    os.environ["RELANCE_WAREHOUSE"] = str(warehouse.file)  # profiles.yml reads it
    as_of = {"as_of_date": context.partition_key}
    yield from dbt.cli(["build", "--vars", json.dumps(as_of)], context=context).stream()


DBT_ASSET_OPTIONS = {"manifest": relance_dbt_project().manifest_path, "project": relance_dbt_project(),
                     "partitions_def": daily_partitions, "dagster_dbt_translator": LayerTranslator(),
                     "backfill_policy": ONE_RUN_PER_DAY}


@dbt_assets(exclude=f"{SCORED_MODELS} {JOURNEY_MODELS}", **DBT_ASSET_OPTIONS)
def relance_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dbt_assets(select=SCORED_MODELS, name="relance_dbt_scored_models", **DBT_ASSET_OPTIONS)
def relance_dbt_scored_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dbt_assets(select=JOURNEY_MODELS, name="relance_dbt_journey_models", **DBT_ASSET_OPTIONS)
def relance_dbt_journey_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dg.asset(group_name="marts", partitions_def=daily_partitions, compute_kind="parquet", backfill_policy=ONE_RUN_PER_DAY,
          deps=[get_asset_key_for_model([relance_dbt_models], name) for name in MART_NAMES]
          + [get_asset_key_for_model([relance_dbt_scored_models], name) for name in SCORED_MODELS.split()]
          + [get_asset_key_for_model([relance_dbt_journey_models], "mart_experiment_results")],
          description="The marts' slice of the partition date as Parquet files for BI tools, one folder per "
                      "mart, Hive-partitioned by as_of_date, under RELANCE_HOME/exports.")
def marts_parquet(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    root = settings.home() / "exports"
    with warehouse.connect(read_only=True) as con:
        written = export_marts(con, root, context.partition_key)
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(root)),
                                          "rows": dg.MetadataValue.json(written)})
