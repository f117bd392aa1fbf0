"""Model machinery on small synthetic data: point-in-time features, promotion through the YAML
gates both ways (on a real SQLite MLflow store), and drift detection. The shared training
routine and signature-enforced scoring: tests/test_ml_shape.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ml import drift, gates, registry
from ml.estimators import ProbabilityModel
from ml.history import FillEmptyColumns, customer_history_at, settled_history
from ml.specs import SPECS


def invoices_frame() -> pd.DataFrame:
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "invoice_id": ["a", "b", "c", "d"],
            "customer_id": ["C", "C", "C", "K"],
            "issue_date": d(["2025-01-01", "2025-02-01", "2025-03-01", "2025-01-01"]),
            "due_date": d(["2025-01-31", "2025-03-03", "2025-03-31", "2025-01-31"]),
            "settled_on": d(["2025-02-10", "2025-03-05", None, "2025-01-20"]),
            "days_late": [10.0, 2.0, np.nan, -11.0],
            "amount": [100.0, 300.0, 50.0, 10.0],
        }
    )


def test_history_features_use_only_settlements_strictly_before_the_instant():
    history = settled_history(invoices_frame())
    rows = pd.DataFrame(
        {
            "customer_id": ["C", "C", "C", "K"],
            "as_of": pd.to_datetime(["2025-02-10", "2025-02-11", "2025-03-06", "2025-01-19"]),
        }
    )
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


GATES_YAML = """
unit_model:
  - {metric: brier, direction: lower, baseline: prior, margin: 0.05, must_beat_champion: true}
"""


@pytest.fixture
def unit_gates(tmp_path):
    path = tmp_path / "gates.yaml"
    path.write_text(GATES_YAML)
    return gates.load("unit_model", path)


def tiny_model():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=80), "z": rng.normal(size=80)})
    return ProbabilityModel(LogisticRegression(), output="p").fit(X, (X.x > 0).astype(int)), X


def challenger(unit_gates, brier: float, baseline: float, champion: dict | None | Exception = None) -> dict:
    """Register a model whose (fake) test metrics are ``brier`` against a baseline of ``baseline``
    and promote it through the gates, the champion's metrics being ``champion``."""
    import mlflow

    def evaluate_champion(_model):
        if isinstance(champion, Exception):
            raise champion
        return champion

    model, X = tiny_model()
    registry.use_experiment("unit-test")
    with mlflow.start_run():
        version = registry.log_model("unit_model", model, X.head(20), (ProbabilityModel, FillEmptyColumns))
        return registry.promote(
            "unit_model", version, unit_gates, {"brier": brier, "baseline_prior_brier": baseline}, evaluate_champion
        )


def aliases() -> dict[str, int]:
    from mlflow import MlflowClient

    return {k: int(v) for k, v in MlflowClient().get_registered_model("unit_model").aliases.items()}


def test_a_challenger_passing_the_gates_is_promoted(mlflow_store, unit_gates):
    first = challenger(unit_gates, brier=0.10, baseline=0.12)
    assert first["promoted"] and first["previous_champion"] is None  # no champion yet
    better = challenger(unit_gates, brier=0.09, baseline=0.12, champion={"brier": 0.10})
    assert better["promoted"] and int(better["previous_champion"]) == first["version"]
    assert better["gates"][0]["champion"] == 0.10
    broken = challenger(unit_gates, brier=0.095, baseline=0.12, champion=ValueError("missing inputs"))
    assert broken["promoted"]  # a champion that cannot score today's features cannot stay champion
    assert aliases() == {"champion": broken["version"], "challenger": broken["version"]}


def test_a_challenger_failing_a_gate_is_not_promoted(mlflow_store, unit_gates):
    first = challenger(unit_gates, brier=0.118, baseline=0.12)  # better than the baseline, by less than 5 %
    assert not first["promoted"] and not first["beats_baseline"]
    assert registry.load_champion("unit_model") == (None, None)  # never champion, even first
    worse = challenger(unit_gates, brier=0.13, baseline=0.12)
    assert not worse["promoted"]
    champion = challenger(unit_gates, brier=0.10, baseline=0.12)
    tie = challenger(unit_gates, brier=0.10, baseline=0.12, champion={"brier": 0.10})
    assert not tie["promoted"] and tie["beats_baseline"] and not tie["beats_champion"]  # as good is not better
    assert aliases() == {"champion": champion["version"], "challenger": tie["version"]}


def test_gates_read_both_directions_and_every_model_has_gates():
    higher = gates.Gate("roc_auc", "higher", "prior", margin=0.02, must_beat_champion=False)
    assert higher.better(0.80, 0.78) and not higher.better(0.79, 0.78, margin=0.02)
    assert not higher.better(float("nan"), 0.5)
    with pytest.raises(ValueError, match="direction"):
        gates.Gate("mae", "smaller", "prior", 0.0, True)
    for spec in SPECS:
        assert gates.load(spec.name), spec.name
    assert [g.metric for g in gates.load("payment_delay")] == ["late30_brier", "mae"]


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


def test_a_large_days_rows_are_compared_as_a_seeded_sample_and_a_shift_still_fires(tmp_path):
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({f"f{i}": rng.normal(size=3000) for i in range(3)})
    big = pd.DataFrame({f"f{i}": rng.normal(size=200_000) for i in range(3)})
    sample = drift.current_sample(big)
    assert len(sample) == drift.CURRENT_ROWS and sample.index.equals(drift.current_sample(big).index)
    assert drift.current_sample(big.head(10)).equals(big.head(10))  # a small day is compared whole
    assert drift.drift_report(reference, big.assign(f0=big.f0 + 0.3), tmp_path / "big.html").drifted_features == ["f0"]


def test_scoring_shortcut_gives_the_same_features_as_the_as_of_join():
    """Rows observed at one instant take a lookup instead of merge_asof: same numbers."""
    from ml.history import events_before

    invoices = invoices_frame()
    history = settled_history(invoices)
    one_instant = pd.DataFrame(
        {"customer_id": ["C", "K", "Z"], "invoice_id": ["c", "d", "z"], "as_of": pd.Timestamp("2025-03-06")}
    )
    mixed = pd.concat(
        [one_instant, pd.DataFrame({"customer_id": ["C"], "invoice_id": ["c"], "as_of": [pd.Timestamp("2025-01-01")]})],
        ignore_index=True,
    )
    fast = customer_history_at(one_instant, history)
    general = customer_history_at(mixed, history).iloc[:3]
    pd.testing.assert_frame_equal(fast, general)
    payments = pd.DataFrame(
        {
            "invoice_id": ["c", "c", "d"],
            "payment_date": pd.to_datetime(["2025-03-01", "2025-03-06", "2025-01-20"]),
            "amount": [10.0, 5.0, 10.0],
        }
    )
    paid_fast = events_before(one_instant, payments, "invoice_id", "payment_date", "paid", value="amount")
    paid_general = events_before(mixed, payments, "invoice_id", "payment_date", "paid", value="amount").iloc[:3]
    assert (
        paid_fast.tolist() == paid_general.tolist() == [10.0, 10.0, 0.0]
    )  # the payment on the instant is not yet known


def test_connecting_does_not_leak_the_store_into_the_environment(tmp_path, monkeypatch):
    import os

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    registry.connect(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    assert "MLFLOW_TRACKING_URI" not in os.environ  # a later RELANCE_HOME gets its own default store


def test_an_open_counts_from_when_it_happened_not_from_when_its_message_was_sent():
    from ml.history import build_features

    d = pd.to_datetime
    invoices = invoices_frame()
    empty = pd.DataFrame({"invoice_id": pd.Series(dtype=str)})
    data = {
        "invoices": invoices,
        "history": settled_history(invoices),
        "payments": empty.assign(payment_date=d([]), amount=[]),
        "disputes": empty.assign(opened_on=d([]), resolved_on=d([])),
        "promises": empty.assign(promised_on=d([]), promised_for=d([])),
        "contacts": pd.DataFrame(
            {
                "customer_id": ["C", "C"],
                "invoice_id": ["b", "c"],
                "sent_at": d(["2025-03-01", "2025-03-08"]),
                "was_opened": [1.0, 1.0],
            }
        ),
        "opens": pd.DataFrame({"customer_id": ["C", "C"], "opened_at": d(["2025-03-02", "2025-03-12"])}),
    }
    rows = invoices[invoices.invoice_id == "c"].assign(as_of=pd.Timestamp("2025-03-10"))
    x = build_features(rows, data)
    assert x.open_rate_before.iloc[0] == 0.5  # the second message is opened only after the instant
    assert x.reminders_before.iloc[0] == 1
