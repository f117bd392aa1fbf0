"""A stage after dbt never stores another day's results under its partition: scoring and the
plan stop, naming both days, when the marts hold another day (the day's models not built, or
built on another engine than the DuckDB warehouse the stages read)."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.partitions import daily_partitions, require_marts_of
from orchestration.resources import WarehouseResource


def test_the_marts_of_the_partition_day_pass():
    require_marts_of("2026-03-02", pd.Timestamp("2026-03-02"), WarehouseResource(engine="duckdb"))


@pytest.mark.parametrize(
    ("as_of", "held"), [(pd.Timestamp("2026-03-01"), "2026-03-01"), (pd.NaT, "no day"), (None, "no day")]
)
def test_marts_of_another_day_or_of_none_stop_the_stage(as_of, held):
    with pytest.raises(ValueError, match=f"the marts hold {held}, not partition 2026-03-02") as error:
        require_marts_of("2026-03-02", as_of, WarehouseResource(engine="duckdb"))
    assert "RELANCE_ENGINE" not in str(error.value)


def test_the_error_says_when_the_marts_were_built_on_another_engine():
    with pytest.raises(ValueError, match="RELANCE_ENGINE=postgres builds them there"):
        require_marts_of("2026-03-02", pd.Timestamp("2026-02-27"), WarehouseResource(engine="postgres"))


def test_scoring_stops_on_marts_of_the_day_before_and_writes_no_score(tmp_path, monkeypatch):
    from orchestration.models.assets import ml_scores
    from orchestration.resources import ComputeResource, MlflowResource, ScoresResource

    monkeypatch.setenv("RELANCE_HOME", str(tmp_path))
    warehouse = tmp_path / "warehouse.duckdb"
    partition = daily_partitions.get_last_partition_key()
    yesterday = (pd.Timestamp(partition) - pd.Timedelta(days=1)).date()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_invoices as select ?::DATE as as_of_date, 'I1' as invoice_id", [yesterday])
    resources = {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "mlflow": MlflowResource(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}"),
        "scores": ScoresResource(),
        "compute": ComputeResource(),
    }
    result = dg.materialize([ml_scores], partition_key=partition, resources=resources, raise_on_error=False)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    assert f"the marts hold {yesterday}, not partition {partition}" in failure.step_failure_data.error.cause.message
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables where table_schema = 'ml'").fetchone() == (
            0,
        )
