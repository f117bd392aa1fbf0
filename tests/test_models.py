"""The models on a simulated world, end to end: trained by the first `make run`, judged on a
time-ordered window against named baselines and against the simulator's ground truth; scores
written back into the marts; the drift sensor retrains."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest

from ml import data as ml_data
from ml import payment_delay, registry, scoring, self_cure, training
from ml.spec import INVOICE_SCORES
from ml.specs import SPECS
from tests.conftest import pipeline_home

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pipeline_home(tmp_path_factory, "models", customers=600, months=18) as home:
        from orchestration import run

        assert run.main(["--from", AS_OF, "--to", AS_OF]) == 0  # no champion: trains, then scores
        registry.connect(f"sqlite:///{home / 'mlflow.db'}", home / "mlartifacts")
        yield home


def load(home):
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return ml_data.load(con), ml_data.as_of_date(con)


def latest_metrics(experiment: str) -> dict:
    import mlflow

    runs = mlflow.search_runs(experiment_names=[experiment])  # training runs only (drift has its own)
    row = runs.sort_values("start_time").iloc[-1]
    return {k[len("metrics.") :]: v for k, v in row.items() if k.startswith("metrics.")}


def test_delay_model_beats_the_customer_history_baseline_with_calibrated_bands(world):
    m = latest_metrics(payment_delay.EXPERIMENT)
    assert m["mae"] < 0.95 * m["baseline_customer_history_mae"]
    assert m["mae"] < 0.5 * m["baseline_always_on_time_mae"]
    assert 0.75 <= m["coverage_p10_p90"] <= 0.85
    assert m["late30_roc_auc"] > 0.9


def test_self_cure_model_finds_the_true_self_curers(world):
    data, as_of = load(world)
    champion = scoring.load_champions([self_cure.SPEC])[self_cure.MODEL_NAME]
    _, test, _ = training.train_test(self_cure.SPEC, data, as_of)
    truth = pd.read_parquet(world / "simulator" / "ground_truth" / "customers.parquet")
    per_customer = (
        pd.DataFrame({"customer_id": test.groups, "p": scoring.predict(champion, test.X).p_self_cure})
        .groupby("customer_id")
        .p.mean()
        .sort_values(ascending=False)
    )
    top = per_customer.head(max(10, len(per_customer) // 10))
    precision = truth.set_index("customer_id").self_cure.loc[top.index].mean()
    assert precision >= 0.7
    m = latest_metrics(self_cure.EXPERIMENT)
    assert m["brier"] < m["baseline_customer_history_brier"]


def test_training_rows_never_see_the_test_window(world):
    """Erasing everything that happened after the cutoff, each event by its own time (an open
    when it happened, not when its message was sent), changes no training feature or label."""
    data, as_of = load(world)
    train, _, split = training.train_test(payment_delay.SPEC, data, as_of)
    cut = split.cutoff
    inv = data["invoices"]
    future = inv.settled_on >= cut
    erased = dict(data)
    erased["invoices"] = inv[inv.issue_date < cut].assign(
        settled_on=inv.settled_on.where(~future), days_late=inv.days_late.where(~future)
    )
    erased["payments"] = data["payments"][data["payments"].payment_date < cut]
    erased["contacts"] = data["contacts"][data["contacts"].sent_at < cut]
    erased["opens"] = data["opens"][data["opens"].opened_at < cut]
    erased["disputes"] = data["disputes"][data["disputes"].opened_on < cut].assign(
        resolved_on=lambda d: d.resolved_on.where(d.resolved_on < cut)
    )
    erased["promises"] = data["promises"][data["promises"].promised_on < cut]
    erased["history"] = ml_data.settled_history(erased["invoices"])
    assert (data["opens"].opened_at >= cut).any()  # there are late opens to erase
    erased_train, *_ = training.train_test(payment_delay.SPEC, erased, as_of)
    assert train.X.open_rate_before.notna().any()
    pd.testing.assert_frame_equal(train.X, erased_train.X.loc[train.X.index])
    assert len(erased_train) == len(train)
    pd.testing.assert_series_equal(train.y, erased_train.y.loc[train.y.index])


def test_every_model_is_scored_and_drift_monitored_each_day(world):
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        drift = con.execute(
            "select model, count(*) from ml.drift_reports where as_of_date = ? group by 1", [AS_OF]
        ).fetchall()
        versions = con.execute(
            "select distinct model_version from ml.invoice_scores where as_of_date = ?", [AS_OF]
        ).fetchall()
    # every model with a champion (one that misses its gates on this world scores nothing)
    champions = [spec for spec in SPECS if registry.champion_version(spec.name) is not None]
    assert {"payment_delay", "self_cure"} <= {spec.name for spec in champions}
    assert dict(drift) == {spec.name: 1 for spec in champions}
    invoice_models = [s.name for s in champions if s.output == INVOICE_SCORES]
    assert [v.split(":")[0] for v in versions[0][0].split(",")] == invoice_models


def test_scores_fill_the_customer_profile_and_the_cash_forecast(world):
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        dim = con.execute(
            "select open_balance, payment_delay_risk, self_cure_probability from marts.dim_customer_360"
        ).df()
        forecast = con.execute("select * from marts.mart_cash_forecast").df()
        open_ar = con.execute("select currency_code, sum(open_amount) as open from marts.fct_invoices group by 1").df()
    owing = dim[dim.open_balance > 0]
    assert owing.payment_delay_risk.notna().all() and owing.payment_delay_risk.between(0, 1).all()
    assert owing.self_cure_probability.notna().mean() > 0.3  # customers with overdue invoices
    assert set(forecast.groupby("currency_code").week_number.count()) == {13}
    assert (forecast.collections_p10 <= forecast.expected_collections).all()
    assert (forecast.expected_collections <= forecast.collections_p90).all()
    expected = forecast.groupby("currency_code").expected_collections.sum()
    share = expected / open_ar.set_index("currency_code").open
    assert share.between(0.3, 1.0).all()  # most of the open book is expected within 13 weeks


def test_drift_above_the_threshold_requests_a_retrain(world, monkeypatch):
    from ml import scores
    from ml.drift import DriftResult
    from orchestration.definitions import defs

    monkeypatch.setenv("RELANCE_HOME", str(world))
    with duckdb.connect(str(world / "warehouse.duckdb")) as con:
        scores.record_drift(con, AS_OF, "payment_delay", DriftResult(0.6, ["days_to_due"], world / "x.html"))
    sensor = defs.resolve_sensor_def("retrain_on_drift")
    with dg.build_sensor_context(resources={"warehouse": defs.resources["warehouse"]}) as context:
        request = sensor(context)
        assert isinstance(request, dg.RunRequest) and request.tags["trigger"] == "feature_drift"
        assert request.asset_selection == [dg.AssetKey("payment_delay_model")]  # only the drifted model retrains
        assert isinstance(sensor(context), dg.SkipReason)  # once per drifted day
    assert sensor.job_name == "training_job"
