"""Scoring and the daily plan on Spark, by the very functions the single process runs: the
champion applied batch by batch with ``mapInPandas`` (ml.scoring.score_rows), the plan computed
per hash-partition of customers with ``applyInPandas`` (journeys.contact_list.plan_partition).
Spark only moves the rows; what is computed, and so the result, is the single process's.

The session is the caller's (a local one from the pyspark wheel in tests, a cluster's by
configuration): ``session()`` builds one from a master URL.
"""

from __future__ import annotations

import pickle

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from journeys.contact_list import Book, Plan, merge_plans, plan_partition, split_book
from ml.scoring import Champion, score_rows

SPARK_TYPES = {"f": T.DoubleType(), "i": T.LongType(), "u": T.LongType(), "b": T.BooleanType(), "M": T.TimestampType()}


def session(master: str = "local[2]", app: str = "relance") -> SparkSession:
    """A Spark session on ``master`` with the settings the results depend on (UTC, Arrow). Its
    Python workers run PYSPARK_PYTHON, which must hold this project and its lock (locally: this
    interpreter; on a cluster: an archived environment, Spark's "Python package management")."""
    return (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


def score_on_spark(spark: SparkSession, champion: Champion, keys: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """``ml.scoring.score_rows(champion, keys, X)`` with the rows spread over Spark's partitions:
    each batch gets back the features' own dtypes (Arrow widens some), then is scored by the same
    function. The model travels in the closure; rows come back in no particular order, with the
    in-process result's dtypes (Spark hands text back as Python objects)."""
    clash = set(keys.columns) & set(X.columns)
    if clash:
        raise ValueError(f"key columns are also features: {sorted(clash)}")
    key_columns, dtypes = list(keys.columns), X.dtypes
    sample = score_rows(champion, keys.head(1), X.head(1))
    schema = _schema(sample)

    def batches(frames):
        for frame in frames:
            yield score_rows(champion, frame[key_columns], frame[list(dtypes.index)].astype(dtypes))

    rows = spark.createDataFrame(keys.join(X).reset_index(drop=True))
    scored = rows.repartition(spark.sparkContext.defaultParallelism).mapInPandas(batches, schema)
    return scored.toPandas().astype(sample.dtypes)


def plan_on_spark(
    spark: SparkSession, book: Book, journeys: tuple, policy, experiments: tuple = (), partitions: int = 4
) -> Plan:
    """``journeys.contact_list.plan_day`` with each customer partition planned by Spark's
    ``applyInPandas``: the partition's book travels as one row (pickled: it never leaves this
    job's own processes), the partition's plan comes back the same way and the partitions' plans
    are merged as ``plan_day`` merges them."""
    payloads = [pickle.dumps(part) for part in split_book(book, partitions)]
    if not payloads:  # nothing to plan: no partition to send
        return merge_plans([])
    rows = spark.createDataFrame(pd.DataFrame({"part": range(len(payloads)), "payload": payloads}))

    def plan(frame: pd.DataFrame) -> pd.DataFrame:
        planned = [plan_partition(pickle.loads(p), journeys, policy, experiments) for p in frame.payload]  # noqa: S301
        return frame[["part"]].assign(payload=[pickle.dumps(p) for p in planned])

    planned = rows.groupBy("part").applyInPandas(plan, "part long, payload binary").toPandas()
    return merge_plans([pickle.loads(p) for p in planned.sort_values("part").payload])  # noqa: S301


def _schema(sample: pd.DataFrame) -> T.StructType:
    """The Spark schema of a scored frame, from its pandas dtypes (text and the rest as strings)."""
    return T.StructType(
        [
            T.StructField(name, SPARK_TYPES.get(dtype.kind, T.StringType()), True)
            for name, dtype in sample.dtypes.items()
        ]
    )
