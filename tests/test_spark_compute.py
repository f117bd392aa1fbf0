"""Scoring and the daily plan under Spark (a local session of the pyspark wheel, two cores) equal
the single process's: the payment-delay champion applied with mapInPandas over the open invoices
(ids exact, values to float precision), and the plan computed per hash-partition of customers
under applyInPandas, row for row; and the daily assets themselves run both on Spark when the compute
resource names a master. One small world, one model and one Spark session for the module."""

from __future__ import annotations

import sys
from datetime import date
from functools import partial
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from journeys import book, catalog
from journeys.contact_list import customer_partition, plan_day
from ml import data as ml_data
from ml import payment_delay, registry, scoring, training
from tests import engine_servers
from tests.engines_world import dbt, make_world

END = date(2026, 3, 31)
PARTITIONS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """80 customers over 15 months (a year of settled invoices to train on), one extraction day,
    every model built on DuckDB (the cash forecast's scores made up)."""
    root = tmp_path_factory.mktemp("spark-compute")
    make_world(root, END, days=1, customers=80, months=15)
    dbt("duckdb", {}, root, END, "run")
    return root


@pytest.fixture(scope="module")
def spark():
    reason = engine_servers.missing("spark")
    if reason:
        pytest.skip(f"no local Spark: {reason}")
    from engines import spark_compute

    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYSPARK_PYTHON", sys.executable)  # the workers import this project's packages
        session = spark_compute.session("local[2]")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def champion(world):
    """The payment-delay model trained on the world and promoted (no gates: what is compared is
    how it is applied, not how good it is), with the data it scores."""
    registry.connect(f"sqlite:///{world / 'mlflow.db'}", world / "mlartifacts")
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        data, as_of = ml_data.load(con), ml_data.as_of_date(con)
    assert training.run_training(payment_delay.SPEC, data, as_of, model_gates=[])["promoted"]
    return scoring.load_champions([payment_delay.SPEC])[payment_delay.SPEC.name], data, as_of


def test_scores_under_spark_equal_the_single_process_ones(champion, spark):
    from engines import spark_compute

    model, data, as_of = champion
    key = list(model.spec.output.key)
    alone = scoring.score(model, data, as_of).scores.sort_values(key, ignore_index=True)
    spread = scoring.score(model, data, as_of, apply=partial(spark_compute.score_on_spark, spark)).scores
    spread = spread.sort_values(key, ignore_index=True)[list(alone.columns)]
    assert len(alone) > 100 and alone.drop(columns=key).notna().all().all()
    assert spread[key].equals(alone[key])
    pd.testing.assert_frame_equal(spread, alone, check_exact=False, rtol=1e-9, check_dtype=False)


def test_the_plan_under_spark_equals_the_single_process_plan(world, spark):
    from engines import spark_compute

    with duckdb.connect(str(world / "warehouse.duckdb")) as con:
        day = book.load(con)
    config = (catalog.load_journeys(), catalog.load_policy("b2b"), catalog.load_experiments())
    alone = plan_day(day, *config)
    spread = spark_compute.plan_on_spark(spark, day, *config, partitions=PARTITIONS)
    planned = alone.contact_list
    assert len(planned) > 10 and len(alone.blocked) > 10 and (planned.action == "send").any()
    assert customer_partition(planned.customer_id, PARTITIONS).nunique() == PARTITIONS  # every partition plans
    pd.testing.assert_frame_equal(spread.contact_list, planned)
    pd.testing.assert_frame_equal(spread.blocked, alone.blocked)
    pd.testing.assert_frame_equal(spread.allocations, alone.allocations)


def _materialize(asset, world: Path, compute) -> None:
    """One daily asset of the product's graph, run by Dagster on the world's day."""
    from orchestration.resources import JourneysConfigResource, MlflowResource, ScoresResource, WarehouseResource

    resources = {
        "warehouse": WarehouseResource(path=str(world / "warehouse.duckdb")),
        "mlflow": MlflowResource(tracking_uri=f"sqlite:///{world / 'mlflow.db'}"),
        "scores": ScoresResource(),
        "journeys_config": JourneysConfigResource(policy_profile="b2b"),
        "compute": compute,
    }
    assert dg.materialize([asset], partition_key=str(END), resources=resources).success


def _table(world: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def _spark_jobs(spark) -> int:
    return len(spark.sparkContext.statusTracker().getJobIdsForGroup())


def test_the_daily_assets_score_and_plan_on_spark_when_a_master_is_set(world, champion, spark, monkeypatch):
    """ml_scores and contact_list, as the daily job runs them, with the compute resource in
    process and then on a Spark master: the same score and plan tables, and Spark did the work."""
    from orchestration.journeys.assets import contact_list
    from orchestration.models.assets import ml_scores
    from orchestration.resources import ComputeResource

    monkeypatch.setenv("RELANCE_HOME", str(world))
    scores_sql = "select * from ml.invoice_scores order by invoice_id"
    plan_sql = "select * from journeys.contact_list order by message_id"
    results = []
    for compute in (ComputeResource(), ComputeResource(spark_master="local[2]", plan_partitions=PARTITIONS)):
        jobs = _spark_jobs(spark)
        _materialize(ml_scores, world, compute)
        _materialize(contact_list, world, compute)
        results.append((_table(world, scores_sql), _table(world, plan_sql), _spark_jobs(spark) - jobs))
    (scores_alone, plan_alone, jobs_alone), (scores_spread, plan_spread, jobs_spread) = results
    assert len(scores_alone) > 100 and len(plan_alone) > 10
    assert jobs_alone == 0 and jobs_spread >= 2  # at least one scoring job and the plan's
    pd.testing.assert_frame_equal(scores_spread, scores_alone, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(plan_spread, plan_alone)
