"""The open raw layer on a PostgreSQL warehouse: each partition COPYed into ``schema.table``.

PostgreSQL cannot read Parquet, so DuckDB turns each partition file into CSV and the client
streams it with ``COPY ... FROM STDIN`` (no file access on the server needed: a managed warehouse
works the same). A partition is replaced in one transaction (delete, then copy), so publishing a
day twice is idempotent; partitions no longer in the layer (past retention) are deleted.
"""

from __future__ import annotations

import re
import tempfile
from contextlib import closing
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from engines.layer import Partitioned, partitioned_tables

# DuckDB's names for the Parquet types ingestion writes, where PostgreSQL spells them differently.
PG_TYPES = {"DOUBLE": "double precision", "FLOAT": "real", "JSON": "text", "HUGEINT": "numeric(38,0)"}


def publish_postgres(root: Path, connection: dict, schemas: tuple[str, ...] = ("raw",)) -> dict[str, int]:
    """Load every partitioned table of the layer under ``root`` into the database ``connection``
    (psycopg2's keyword arguments) describes; returns the rows now in each table."""
    counts = {}
    with duckdb.connect() as duck, closing(psycopg2.connect(**connection)) as pg:
        for table in partitioned_tables(root, schemas):
            counts[f"{table.schema}.{table.table}"] = _publish_table(duck, pg, table)
    return counts


def _publish_table(duck: duckdb.DuckDBPyConnection, pg, table: Partitioned) -> int:
    name = sql.Identifier(table.schema, table.table)
    key = sql.Identifier(table.key)
    values = table.values
    with pg, pg.cursor() as cur:
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(table.schema)))
        cur.execute(sql.SQL("create table if not exists {} ({})").format(name, _columns(duck, table, values[-1])))
        cur.execute(sql.SQL("delete from {} where not ({} = any(%s::date[]))").format(name, key), [values])
    for value in values:
        with pg, pg.cursor() as cur, tempfile.TemporaryDirectory() as scratch:
            cur.execute(sql.SQL("delete from {} where {} = %s").format(name, key), [value])
            csv = Path(scratch) / "part.csv"
            files = [str(f) for f in table.files(value)]
            rows = "select *, ?::DATE from read_parquet(?, hive_partitioning = false)"
            duck.execute(f"copy ({rows}) to '{csv}' (format csv, header false, force_quote *)", [value, files])
            with csv.open("rb") as text:
                cur.copy_expert(sql.SQL("copy {} from stdin with (format csv)").format(name), text)
    with pg.cursor() as cur:
        cur.execute(sql.SQL("select count(*) from {}").format(name))
        return cur.fetchone()[0]


def _columns(duck: duckdb.DuckDBPyConnection, table: Partitioned, value: str) -> sql.Composable:
    """The table's columns as the Parquet files type them, then the partition key (a date)."""
    described = duck.execute(
        "describe select * from read_parquet(?, hive_partitioning = false)", [[str(f) for f in table.files(value)]]
    ).fetchall()
    columns = [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_pg_type(kind))) for name, kind, *_ in described]
    return sql.SQL(", ").join([*columns, sql.SQL("{} date not null").format(sql.Identifier(table.key))])


def _pg_type(duckdb_type: str) -> str:
    if not re.fullmatch(r"[A-Z]+( WITH TIME ZONE)?(\(\d+(,\d+)?\))?", duckdb_type):
        raise ValueError(f"a raw-layer column of type {duckdb_type} has no PostgreSQL mapping")
    return PG_TYPES.get(duckdb_type, duckdb_type)
