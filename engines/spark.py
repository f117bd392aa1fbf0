"""The open raw layer on Spark: each table's folder as a view over its Parquet files.

Spark reads the Hive-partitioned folders in place (nothing copied) and discovers the partitions
from the folder names at every query, so a new day (or a pruned one) shows without registering
anything again; a view rather than a metastore table, because the Hive metastore cannot filter
partitions on a column with a leading underscore (``_partition``). ``location`` is how the Spark
cluster reaches the layer's root (the local path for a local Thrift Server; an object-store URI
such as ``s3a://bucket/lake`` for a cluster).
"""

from __future__ import annotations

from pathlib import Path

from pyhive import hive

from engines.layer import partitioned_tables


def publish_spark(
    root: Path, connection: dict, location: str | None = None, schemas: tuple[str, ...] = ("raw",)
) -> dict[str, int]:
    """Register every partitioned table under ``root`` on the Thrift Server ``connection``
    describes (PyHive's host, port, username); returns the rows each table now reads."""
    base = (location or root.resolve().as_uri()).rstrip("/")
    counts = {}
    with hive.connect(**connection) as con:
        cur = con.cursor()
        for table in partitioned_tables(root, schemas):
            name = f"`{table.schema}`.`{table.table}`"
            where = f"{base}/{table.schema}/{table.table}".replace("`", "``")
            cur.execute(f"create database if not exists `{table.schema}`")
            cur.execute(f"create or replace view {name} as select * from parquet.`{where}`")
            cur.execute(f"select count(*) from {name}")
            counts[f"{table.schema}.{table.table}"] = cur.fetchone()[0]
        cur.close()
    return counts
