"""The day's drop and one raw warehouse table per contract table."""

import dagster as dg

from erp.contract import TABLES, load_order
from erp.ingest import check_drop, load_table
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import ErpSourceResource, WarehouseResource

ERP_DROP = dg.AssetKey("erp_drop")


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


@dg.asset(key=ERP_DROP, group_name="erp_source", partitions_def=daily_partitions, compute_kind="python",
          backfill_policy=ONE_RUN_PER_DAY,
          description="The ERP extraction of the partition date: simulated, converted by an adapter, "
                      "or read from RELANCE_ERP_DROP. Every file is checked whole before any row loads.")
def erp_drop(context: dg.AssetExecutionContext, erp_source: ErpSourceResource,
             warehouse: WarehouseResource) -> dg.MaterializeResult:
    source = erp_source.source()
    sends = _our_sends(warehouse, context.partition_key) if source.kind == "simulator" else None
    folder = source.prepare(context.partition_key, sends)
    files = check_drop(folder)
    absent = sorted(set(TABLES) - set(files))
    if absent:
        context.log.info(f"optional tables absent from this drop (their features are skipped): {', '.join(absent)}")
    return dg.MaterializeResult(metadata={
        "source": source.kind,
        "folder": dg.MetadataValue.path(str(folder)),
        "files": dg.MetadataValue.json({t: str(f.path.name) for t, f in files.items()}),
        "absent_tables": absent,
    })


def _our_sends(warehouse: WarehouseResource, partition: str):
    """The reminders Relance made up to the day (the simulator ignores the ones it has applied)."""
    from journeys import store

    if not warehouse.file.exists():
        return None
    with warehouse.connect() as con:
        return store.delivered_sends(con, partition)


def build_raw_asset(table: str) -> dg.AssetsDefinition:
    spec = TABLES[table]

    @dg.asset(key=raw_key(table), group_name="ingestion", partitions_def=daily_partitions, compute_kind="duckdb",
              backfill_policy=ONE_RUN_PER_DAY,
              deps=[ERP_DROP, *(raw_key(p) for p in spec.parents if p != table)],
              description=f"raw.{table}: the contract's {table} for the partition date, typed, with lineage "
                          "(_source_file, _source_line, _loaded_at). Rejected rows go to raw.rejects.")
    def _raw(context: dg.AssetExecutionContext, erp_source: ErpSourceResource,
             warehouse: WarehouseResource) -> dg.MaterializeResult:
        folder = erp_source.source().drop_dir(context.partition_key)
        with warehouse.connect() as con:
            report = load_table(con, folder, table, context.partition_key, erp_source.source().retention_days)
        if report.file is None:
            context.log.info(f"{table}: not in this drop; loaded an empty snapshot")
        for skipped in report.skipped_checks:
            context.log.warning(f"{table}: check skipped ({skipped})")
        return dg.MaterializeResult(metadata={
            "dagster/row_count": report.rows_loaded,
            "rows_read": report.rows_read,
            "rows_rejected": report.rows_rejected,
            "reject_reasons": dg.MetadataValue.json(report.reasons),
            "source_file": report.file or "absent",
            "seconds": round(report.seconds, 2),
        })

    return _raw


raw_assets = [build_raw_asset(t) for t in load_order()]
