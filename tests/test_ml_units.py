"""Model machinery on small synthetic data: point-in-time features, the time-ordered split,
champion / challenger promotion both ways, loading the champion by alias in a new process,
and drift detection."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression

from ml import drift, registry
from ml.history import customer_history_at, settled_history


def invoices_frame() -> pd.DataFrame:
    d = pd.to_datetime
    return pd.DataFrame({
        "invoice_id": ["a", "b", "c", "d"], "customer_id": ["C", "C", "C", "K"],
        "issue_date": d(["2025-01-01", "2025-02-01", "2025-03-01", "2025-01-01"]),
        "due_date": d(["2025-01-31", "2025-03-03", "2025-03-31", "2025-01-31"]),
        "settled_on": d(["2025-02-10", "2025-03-05", None, "2025-01-20"]),
        "days_late": [10.0, 2.0, np.nan, -11.0], "amount": [100.0, 300.0, 50.0, 10.0],
    })


def test_history_features_use_only_settlements_strictly_before_the_instant():
    history = settled_history(invoices_frame())
    rows = pd.DataFrame({"customer_id": ["C", "C", "C", "K"],
                         "as_of": pd.to_datetime(["2025-02-10", "2025-02-11", "2025-03-06", "2025-01-19"])})
    h = customer_history_at(rows, history)
    assert h.hist_invoices.tolist() == [0, 1, 2, 0]  # the settlement on the instant itself is not known yet
    assert h.hist_mean_late.iloc[1] == 10 and h.hist_mean_late.iloc[2] == 6
    assert h.hist_weighted_late.iloc[2] == pytest.approx((10 * 100 + 2 * 300) / 400)
    assert h.days_since_last_settlement.iloc[2] == 1


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    registry.connect(uri, tmp_path / "artifacts")
    yield uri


def linear_data(seed: int, n: int = 200):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    return X, 3 * X.x + rng.normal(scale=0.1, size=n)


def register(model, X, y, X_test, y_test, baseline_mae: float = np.inf):
    import mlflow

    registry.use_experiment("unit-test")
    score = lambda m: float(np.mean(np.abs(m.predict(X_test) - y_test)))  # noqa: E731
    with mlflow.start_run():
        return registry.register_and_promote("unit_model", model.fit(X, y), X_test.head(5), "mae",
                                             score(model), score, baseline_score=baseline_mae)


def test_promotion_happens_only_when_the_challenger_beats_the_champion(mlflow_store):
    from mlflow import MlflowClient

    X, y = linear_data(1)
    X_test, y_test = linear_data(2)
    first = register(DummyRegressor(), X, y, X_test, y_test)
    assert first["promoted"] and first["previous_champion"] is None  # no champion yet
    tie = register(DummyRegressor(), X, y, X_test, y_test)
    assert not tie["promoted"]  # as good is not better
    better = register(LinearRegression(), X, y, X_test, y_test)
    assert better["promoted"] and int(better["previous_champion"]) == first["version"]
    assert better["challenger_mae"] < better["champion_mae"]
    worse = register(DummyRegressor(), X, y, X_test, y_test)
    assert not worse["promoted"] and worse["champion_mae"] < worse["challenger_mae"]
    aliases = {k: int(v) for k, v in MlflowClient().get_registered_model("unit_model").aliases.items()}
    assert aliases == {"champion": better["version"], "challenger": worse["version"]}


def test_a_model_no_better_than_its_baseline_is_never_champion(mlflow_store):
    X, y = linear_data(1)
    X_test, y_test = linear_data(2)
    always_zero_mae = float(np.mean(np.abs(y_test)))
    first = register(DummyRegressor(strategy="constant", constant=5.0), X, y, X_test, y_test, always_zero_mae)
    assert not first["promoted"] and not first["beats_baseline"]
    assert registry.load_champion("unit_model") == (None, None)
    fitted = register(LinearRegression(), X, y, X_test, y_test, always_zero_mae)
    assert fitted["promoted"] and fitted["beats_baseline"]


def test_champion_loads_by_alias_in_a_new_process(mlflow_store, tmp_path):
    X, y = linear_data(1)
    register(LinearRegression(), X, y, *linear_data(2))
    expected = registry.load_champion("unit_model")[0].predict(X.head(3))
    code = textwrap.dedent(f"""
        import pandas as pd
        from ml import registry
        registry.connect({mlflow_store!r}, {str(tmp_path / 'artifacts')!r})
        model, version = registry.load_champion("unit_model")
        X = pd.DataFrame({X.head(3).to_dict('list')!r})
        print(version, *model.predict(X))""")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "1"
    assert np.allclose([float(v) for v in out[1:]], expected)


def test_drift_report_fires_on_a_shifted_batch_only(tmp_path):
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({f"f{i}": rng.normal(size=3000) for i in range(5)})
    same = pd.DataFrame({f"f{i}": rng.normal(size=2000) for i in range(5)})
    shifted = same.assign(f0=same.f0 + 2, f1=same.f1 * 3, f2=same.f2 - 1.5)
    calm = drift.drift_report(reference, same, tmp_path / "same.html")
    alarm = drift.drift_report(reference, shifted, tmp_path / "shifted.html")
    assert not calm.drifted and calm.drifted_share == 0
    assert alarm.drifted and alarm.drifted_features == ["f0", "f1", "f2"]
    assert alarm.report_path.stat().st_size > 100_000  # the self-contained HTML report


def test_scoring_shortcut_gives_the_same_features_as_the_as_of_join():
    """Rows observed at one instant take a lookup instead of merge_asof: same numbers."""
    from ml.history import events_before

    invoices = invoices_frame()
    history = settled_history(invoices)
    one_instant = pd.DataFrame({"customer_id": ["C", "K", "Z"], "invoice_id": ["c", "d", "z"],
                                "as_of": pd.Timestamp("2025-03-06")})
    mixed = pd.concat([one_instant, pd.DataFrame({"customer_id": ["C"], "invoice_id": ["c"],
                                                  "as_of": [pd.Timestamp("2025-01-01")]})], ignore_index=True)
    fast = customer_history_at(one_instant, history)
    general = customer_history_at(mixed, history).iloc[:3]
    pd.testing.assert_frame_equal(fast, general)
    payments = pd.DataFrame({"invoice_id": ["c", "c", "d"], "payment_date": pd.to_datetime(
        ["2025-03-01", "2025-03-06", "2025-01-20"]), "amount": [10.0, 5.0, 10.0]})
    paid_fast = events_before(one_instant, payments, "invoice_id", "payment_date", "paid", value="amount")
    paid_general = events_before(mixed, payments, "invoice_id", "payment_date", "paid", value="amount").iloc[:3]
    assert paid_fast.tolist() == paid_general.tolist() == [10.0, 10.0, 0.0]  # the payment on the instant is not yet known


def test_connecting_does_not_leak_the_store_into_the_environment(tmp_path, monkeypatch):
    import os

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    registry.connect(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    assert "MLFLOW_TRACKING_URI" not in os.environ  # a later RELANCE_HOME gets its own default store
