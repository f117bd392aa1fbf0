"""dbt models as Dagster assets (one per model, dbt tests as asset checks) on the daily
partition, and the Parquet export of the marts."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration import settings
from orchestration.marts import table_preview
from orchestration.marts.parquet_export import export_marts
from orchestration.marts.project import relance_dbt_project
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions, is_backfill
from orchestration.resources import WarehouseResource

# dbt tags (in the models' config, by folder in dbt_project.yml) place the models in the daily
# job: after the ML stage has scored the day (they read ml.*), after the day's contact list (they
# read journeys.*), or before both.
AFTER_SCORING, AFTER_JOURNEYS = "tag:after_scoring", "tag:after_journeys"
# The marts that hold the latest state (rebuilt whole each day; the incremental ones keep a slice
# per as-of date). A backfill of a past day leaves them alone, and so every step downstream of them
# (scoring, the contact list, delivery) is skipped by Dagster: a backfill contacts no one.
LATEST_STATE_MARTS = "path:models/marts,config.materialized:table"


class LayerTranslator(DagsterDbtTranslator):
    """Groups from the layer folder (staging, intermediate, marts); keys from model names; owners
    the team of the model's dbt group (dbt_project/models/_groups.yml), as Dagster names teams."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str] | None:
        team = (dbt_resource_props.get("group") or {}).get("owner", {}).get("name")
        return [f"team:{team}"] if team else None


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` as of the partition date on the resource's warehouse (profiles.yml reads both
    vars): staging reads that day's snapshot, marts keep a slice per day. One artifact folder
    beside the warehouse, so the run's later dbt steps re-use the first one's parse (dbt parses
    in full whenever the vars change, i.e. once per partition). dbt's unit tests check the SQL
    against fixed rows, not the day's data: CI runs them (tests/test_marts.py), daily runs don't."""
    dbt_vars = {"as_of_date": context.partition_key, "warehouse": str(warehouse.file)}
    dbt_vars |= {"memory_limit": settings.duckdb_memory_limit()}
    dbt_vars |= {"reporting_currency": settings.reporting_currency()} if settings.reporting_currency() else {}
    args = ["build", "--target", warehouse.engine_name, "--vars", json.dumps(dbt_vars)]
    args += ["--exclude-resource-type", "unit_test"]
    if is_backfill(context.partition_key, warehouse):
        context.log.info(
            f"{context.partition_key} is older than the newest day loaded: history slices only, "
            "the latest-state marts stay as they are"
        )
        args += ["--exclude", LATEST_STATE_MARTS]
    invocation = dbt.cli(args, context=context, target_path=warehouse.file.parent / "dbt_target", raise_on_error=False)
    # dbt holds the warehouse's write lock until it exits: the events wait for it, then each
    # model's materialisation gets its row count and preview (table_preview.py).
    events = list(invocation.stream())
    yield from with_table_metadata(events, invocation.manifest, warehouse, context.partition_key)
    if not invocation.is_successful():
        raise invocation.get_error()


def with_table_metadata(events: list, manifest: Mapping[str, Any], warehouse: WarehouseResource, as_of_date: str):
    """The dbt events, each model's or seed's Output with ``dagster/row_count`` and a preview."""
    if not any(isinstance(event, dg.Output) for event in events):  # nothing built (or dbt failed first)
        yield from events
        return
    with warehouse.connect(read_only=True) as con:
        for event in events:
            node = _built_node(event, manifest)
            summary = node and table_preview.summarise(con, node["schema"], node["alias"], as_of_date)
            if summary:
                event = event.with_metadata(
                    {
                        **event.metadata,
                        "dagster/row_count": summary.rows,
                        "row_count_scope": summary.scope,
                        "preview": dg.MetadataValue.md(summary.preview),
                        "preview_hides": dg.MetadataValue.json(summary.hidden_columns),
                    }
                )
            yield event


def _built_node(event, manifest: Mapping[str, Any]) -> dict | None:
    """The manifest node an Output of dagster-dbt is for (None for checks and observations)."""
    if not isinstance(event, dg.Output):
        return None
    unique_id = event.metadata.get("unique_id")
    return manifest["nodes"].get(getattr(unique_id, "value", unique_id))


DBT_ASSET_OPTIONS = {
    "manifest": relance_dbt_project().manifest_path,
    "project": relance_dbt_project(),
    "partitions_def": daily_partitions,
    "dagster_dbt_translator": LayerTranslator(),
    "backfill_policy": ONE_RUN_PER_DAY,
}


@dbt_assets(exclude=f"{AFTER_SCORING} {AFTER_JOURNEYS}", **DBT_ASSET_OPTIONS)
def relance_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


# A model reading both the scores and the plan (the collector worklist) carries both tags and
# builds after the plan, with the journeys' models.
@dbt_assets(select=AFTER_SCORING, exclude=AFTER_JOURNEYS, name="relance_dbt_scored_models", **DBT_ASSET_OPTIONS)
def relance_dbt_scored_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dbt_assets(select=AFTER_JOURNEYS, name="relance_dbt_journey_models", **DBT_ASSET_OPTIONS)
def relance_dbt_journey_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


def _marts_by_kind() -> dict[str, list[dg.AssetKey]]:
    """The marts' asset keys: history (incremental, one slice per as-of date, built before scoring,
    so backfills of past days rebuild it) and the rest (the latest state, and the slices of the
    marts built after scoring or after the contact list, which only the current day computes)."""
    nodes = json.loads(Path(relance_dbt_project().manifest_path).read_text())["nodes"].values()
    incremental = {
        n["name"] for n in nodes if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
    }
    kinds: dict[str, list[dg.AssetKey]] = {"history": [], "latest": []}
    for assets in (relance_dbt_models, relance_dbt_scored_models, relance_dbt_journey_models):
        for key in assets.keys:
            if assets.group_names_by_key[key] == "marts":
                history = assets is relance_dbt_models and key.path[-1] in incremental
                kinds["history" if history else "latest"].append(key)
    return kinds


MARTS_BY_KIND = _marts_by_kind()


def build_parquet_asset(name: str, kind: str, description: str) -> dg.AssetsDefinition:
    """Export the partition date's slice of one kind of mart as Parquet for BI tools, one folder
    per mart, Hive-partitioned by as_of_date, under RELANCE_HOME/exports."""

    @dg.asset(
        name=name,
        group_name="marts",
        partitions_def=daily_partitions,
        compute_kind="parquet",
        backfill_policy=ONE_RUN_PER_DAY,
        deps=MARTS_BY_KIND[kind],
        description=description,
    )
    def _export(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        root = settings.home() / "exports"
        with warehouse.connect(read_only=True) as con:
            written = export_marts(con, root, context.partition_key, [k.path[-1] for k in MARTS_BY_KIND[kind]])
        return dg.MaterializeResult(
            metadata={"folder": dg.MetadataValue.path(str(root)), "rows": dg.MetadataValue.json(written)}
        )

    return _export


history_parquet = build_parquet_asset(
    "history_parquet",
    "history",
    "The history marts' slice of the partition date (aging, the daily and monthly "
    "KPIs) as Parquet, also on backfills of past days.",
)
marts_parquet = build_parquet_asset(
    "marts_parquet",
    "latest",
    "The latest-state marts (facts, the 360, the dunning book) and the day's cash forecast "
    "and experiment results as Parquet; skipped on backfills, which leave those marts as they are.",
)
