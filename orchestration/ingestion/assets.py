"""The day's drop and one raw warehouse table per contract table."""

from pathlib import Path

import dagster as dg

from erp.contract import TABLES, load_order
from erp.ingest import DropFileError, load_day
from erp.ingest.files import inspect_drop
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import ErpSourceResource, WarehouseResource

ERP_DROP = dg.AssetKey("erp_drop")


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


@dg.asset(
    key=ERP_DROP,
    group_name="erp_source",
    partitions_def=daily_partitions,
    compute_kind="python",
    backfill_policy=ONE_RUN_PER_DAY,
    description="The ERP extraction of the partition date: simulated, converted by an adapter, "
    "or read from RELANCE_ERP_DROP. Its files are checked whole by the raw load.",
)
def erp_drop(
    context: dg.AssetExecutionContext, erp_source: ErpSourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    source = erp_source.source()
    sends = _our_sends(warehouse, context.partition_key) if source.kind == "simulator" else None
    folder = source.prepare(context.partition_key, sends)
    try:
        files, problems = inspect_drop(folder)
    except DropFileError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from None
    absent = sorted(set(TABLES) - set(files) - {Path(p.path).stem for p in problems})
    if absent:
        context.log.info(f"optional tables absent from this drop (their features are skipped): {', '.join(absent)}")
    if problems:  # reported in full, with the rows' parsing, by the raw load, which then loads nothing
        context.log.warning(f"{len(problems)} file(s) of this drop break the contract; the day will not load")
    return dg.MaterializeResult(
        metadata={
            "source": source.kind,
            "folder": dg.MetadataValue.path(str(folder)),
            "files": dg.MetadataValue.json({t: str(f.path.name) for t, f in files.items()}),
            "absent_tables": absent,
            "file_problems": len(problems),
        }
    )


def _our_sends(warehouse: WarehouseResource, partition: str):
    """The reminders Relance made up to the day (the simulator ignores the ones it has applied)."""
    from journeys import store

    if not warehouse.file.exists():
        return None
    with warehouse.connect() as con:
        return store.delivered_sends(con, partition)


@dg.multi_asset(
    name="raw_tables",
    group_name="ingestion",
    partitions_def=daily_partitions,
    compute_kind="duckdb",
    backfill_policy=ONE_RUN_PER_DAY,
    can_subset=False,
    specs=[
        dg.AssetSpec(
            raw_key(t),
            deps=[ERP_DROP, *(raw_key(p) for p in TABLES[t].parents if p != t)],
            description=f"raw.{t}: the contract's {t} for the partition date, typed, with lineage "
            "(_source_file, _source_line, _loaded_at). Rejected rows go to raw.rejects.",
        )
        for t in load_order()
    ],
    description="The day's drop, all or nothing: every file parsed whole, then every raw table replaced "
    "in one transaction. A broken file fails the day with one report of every problem.",
)
def raw_tables(context: dg.AssetExecutionContext, erp_source: ErpSourceResource, warehouse: WarehouseResource):
    source = erp_source.source()
    folder = source.drop_dir(context.partition_key)
    try:
        with warehouse.connect() as con:
            reports = load_day(con, folder, context.partition_key, source.retention_days, warehouse.lake_dir)
        published = warehouse.publish_raw()  # the same raw layer for dbt on PostgreSQL or Spark
        if published:
            context.log.info(f"raw layer published to {warehouse.engine_name}: {published}")
    except DropFileError as err:  # the whole report, without the traceback of a user's broken file
        raise dg.Failure(description=str(err), allow_retries=False) from None
    for table, report in reports.items():
        if report.file is None:
            context.log.info(f"{table}: not in this drop; loaded an empty snapshot")
        for skipped in report.skipped_checks:
            context.log.warning(f"{table}: check skipped ({skipped})")
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                "dagster/row_count": report.rows_loaded,
                "rows_read": report.rows_read,
                "rows_rejected": report.rows_rejected,
                "reject_reasons": dg.MetadataValue.json(report.reasons),
                "source_file": report.file or "absent",
                "seconds": round(report.seconds, 2),
            },
        )


raw_assets = [raw_tables]
