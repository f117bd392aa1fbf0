"""The same dbt project on other engines: the open raw layer (Hive-partitioned Parquet written by
ingestion, :mod:`erp.ingest.lake`) made readable as dbt sources on a PostgreSQL warehouse (COPY
into the same ``schema.table``) or on Spark (external Parquet tables). DuckDB reads its own
``raw`` schema and needs nothing here. Connection settings come in as parameters
(orchestration/settings.py reads them from the environment)."""

from engines.layer import Partitioned, partitioned_tables
from engines.postgres import publish_postgres
from engines.spark import publish_spark

ENGINES = ("duckdb", "postgres", "spark")

__all__ = ["ENGINES", "Partitioned", "partitioned_tables", "publish_postgres", "publish_spark"]
