"""The open raw layer: each accepted table of a day, also as Hive-partitioned Parquet.

``<root>/<schema>/<table>/<key>=<value>/part-0.parquet`` — the layout Spark, DuckDB, PostgreSQL's
loader (``engines``) and BI tools all read as one partitioned table, so another engine builds the
same dbt project from the same rows the checks accepted. A day's folder is written beside its
final place and swapped in, so re-writing a day is idempotent and a reader never sees half a file;
days older than the retention window are removed as they are from ``raw``.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

PART_FILE = "part-0.parquet"


def write_partition(con: duckdb.DuckDBPyConnection, root: Path, schema: str, table: str, key: str, value: str) -> Path:
    """Write the rows of ``schema.table`` whose ``key`` is ``value`` as that table's Hive partition
    (an empty file when there are none: the day's snapshot was empty, and its schema still reads).
    JSON columns go out as text, which every engine reads."""
    final = root / schema / table / f"{key}={value}"
    staging = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? and column_name <> ? order by ordinal_position",
        [schema, table, key],
    ).fetchall()
    select = ", ".join(f'"{name}"::VARCHAR as "{name}"' if kind == "JSON" else f'"{name}"' for name, kind in columns)
    target = str(staging / PART_FILE).replace("'", "''")
    con.execute(f"copy (select {select} from {schema}.{table} where {key} = ?) to '{target}' (format parquet)", [value])
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old)
    else:
        staging.rename(final)
    return final


def prune_partitions(root: Path, schema: str, table: str, key: str, cutoff: date) -> None:
    """Remove the table's date partitions older than ``cutoff``."""
    for folder in (root / schema / table).glob(f"{key}=*"):
        if date.fromisoformat(folder.name.split("=", 1)[1]) < cutoff:
            shutil.rmtree(folder)


def write_raw_day(
    con: duckdb.DuckDBPyConnection, root: Path, tables: list[str], partition: str, retention_days: int | None
) -> None:
    """The day's accepted rows of every raw table, as the raw layer's Parquet partitions."""
    for table in tables:
        write_partition(con, root, "raw", table, "_partition", partition)
        if retention_days is not None:
            prune_partitions(
                root, "raw", table, "_partition", date.fromisoformat(partition) - timedelta(retention_days)
            )
