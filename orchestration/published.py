"""Readers never block the writer: after each daily run the warehouse is published as a read-only
copy beside it (``$RELANCE_HOME/published/warehouse.duckdb``), which BI tools, the cockpit and the
README's examples open instead of the working file — DuckDB lets one process write a file at a
time, so a reader holding the working warehouse would stop the 06:00 run.

The copy is written to a temporary file in the same folder, then moved over the old one in one
``os.replace``: a reader opening the path gets the old copy or the new one, never a partial one,
and a reader still holding the old copy open keeps reading it undisturbed (the old file lives on
until it lets go). The Parquet exports (orchestration/marts/parquet_export.py) are published too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import dagster as dg
import duckdb

from orchestration import ingestion, journeys, marts, models
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import WarehouseResource, default_resources

PUBLISHED = dg.AssetKey("published_warehouse")
PARTIAL = ".partial"


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path, target: Path) -> int:
    """Copy ``warehouse`` to ``target`` atomically and return the copy's size. ``con`` is a
    writing connection to ``warehouse``: it holds the file's lock, so nothing writes while the
    bytes are copied, and its checkpoint leaves the whole database in the file."""
    con.execute("checkpoint")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*{PARTIAL}"):  # left by a run killed mid-copy
        stale.unlink()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=PARTIAL)
    try:
        with os.fdopen(fd, "wb") as out, open(warehouse, "rb") as src:
            shutil.copyfileobj(src, out, length=16 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o444)  # a copy to read: writes belong to the pipeline's warehouse
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def last_daily_assets() -> list[dg.AssetKey]:
    """The daily assets nothing else depends on: publishing after them publishes the whole run
    (a run whose step failed publishes nothing, so readers keep the last good copy)."""
    domains = (ingestion.defs, marts.defs, models.defs, journeys.defs, dg.Definitions(resources=default_resources()))
    graph = dg.Definitions.merge(*domains).resolve_asset_graph()
    nodes = [graph.get(key) for key in graph.materializable_asset_keys]
    return sorted(
        (n.key for n in nodes if n.partitions_def is not None and not n.child_keys), key=lambda k: k.to_user_string()
    )


@dg.asset(
    key=PUBLISHED,
    deps=last_daily_assets(),
    partitions_def=daily_partitions,
    backfill_policy=ONE_RUN_PER_DAY,
    group_name="published",
    compute_kind="duckdb",
    description="The read-only copy of the warehouse that readers open (BI tools, the cockpit), "
    "replaced atomically after each run: readers never hold the pipeline's own file.",
)
def published_warehouse(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        size = publish(con, warehouse.file, warehouse.published)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(warehouse.published)), "bytes": size})


defs = dg.Definitions(assets=[published_warehouse])
