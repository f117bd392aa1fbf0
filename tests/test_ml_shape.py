"""The one model shape on a tiny synthetic model: the shared train-evaluate-register-promote
routine, the champion loaded by alias in a new process, and scoring through pyfunc refusing
features that violate the model's signature. Real SQLite MLflow store, no mocks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ml import evaluation, gates, registry, scoring, training
from ml.estimators import ProbabilityModel
from ml.history import FillEmptyColumns
from ml.spec import INVOICE_SCORES, Output, TrainingSet, Window

AS_OF = pd.Timestamp("2026-01-01")
GATES = [gates.Gate("brier", "lower", "prior", margin=0.1, must_beat_champion=True)]


@dataclass(frozen=True)
class TinySpec:
    """One row a day for 400 days: y = 1 when x > 0, z is noise."""

    name: ClassVar[str] = "tiny"
    experiment: ClassVar[str] = "unit-tiny"
    description: ClassVar[str] = "synthetic"
    params: ClassVar[dict] = {"C": 1.0}
    window: ClassVar[Window] = Window(test_days=100, label_wait_days=0)
    feature_set: ClassVar[str] = "tiny"
    output: ClassVar[Output] = INVOICE_SCORES
    score_columns: ClassVar[dict[str, str]] = {"p": "p_tiny"}
    trusted_types: ClassVar[tuple] = (ProbabilityModel, FillEmptyColumns)

    def observations(self, data, known_until):
        rows = data["rows"]
        return rows[rows.as_of < known_until].assign(label_known_at=lambda r: r.as_of)

    def features(self, data, rows):
        return rows[["x", "z"]]

    def fit(self, train: TrainingSet):
        return ProbabilityModel(LogisticRegression(), output="p").fit(train.X, train.y)

    def evaluate(self, model, train, test):
        prior = np.full(len(test), train.y.mean())
        return evaluation.classification_metrics(test.y, model.predict(test.X).p) | evaluation.classification_metrics(
            test.y, prior, "baseline_prior_"
        )

    def diagnostics(self, model, test, folder):
        return [], {"coefficient_x": float(model.classifier_.coef_[0, 0])}

    def scoring_rows(self, data, as_of):
        return data["rows"].tail(10).assign(as_of=as_of + pd.Timedelta(days=1))


def tiny_data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    n = 400
    x = rng.normal(size=n)
    rows = pd.DataFrame(
        {
            "invoice_id": [f"i{k}" for k in range(n)],
            "customer_id": "C",
            "as_of": AS_OF - pd.to_timedelta(np.arange(n)[::-1] + 1, unit="D"),
            "x": x,
            "z": rng.normal(size=n),
            "label": (x + rng.normal(scale=0.3, size=n) > 0).astype(int),
        }
    )
    return {"rows": rows}


@pytest.fixture
def trained(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    registry.connect(uri, tmp_path / "artifacts")
    result = training.run_training(TinySpec(), tiny_data(), AS_OF, GATES)
    return uri, tmp_path / "artifacts", result


def test_the_shared_routine_splits_by_time_logs_and_promotes(trained):
    import mlflow

    _, _, result = trained
    assert result["promoted"] and result["version"] == 1
    train, test, split = training.train_test(TinySpec(), tiny_data(), AS_OF)
    assert train.observed_at.max() < split.cutoff <= test.observed_at.min()
    assert (len(train), len(test)) == (300, 100)
    run = mlflow.get_run(result["run_id"])
    assert run.data.params["test_rows"] == "100" and "coefficient_x" in run.data.metrics
    assert run.data.metrics["brier"] < run.data.metrics["baseline_prior_brier"]
    assert registry.reference_features("tiny").columns.tolist() == ["x", "z"]


def test_scoring_enforces_the_signature_the_model_was_logged_with(trained):
    champion = scoring.load_champions([TinySpec()])["tiny"]
    scored = scoring.score(champion, tiny_data(), AS_OF)
    assert scored.scores.columns.tolist() == ["invoice_id", "p_tiny"] and scored.scores.p_tiny.between(0, 1).all()
    X = scored.features
    with pytest.raises(scoring.SignatureMismatch, match=r"tiny v1 refuses .*missing inputs.*'z'"):
        scoring.predict(champion, X.drop(columns="z"))
    with pytest.raises(scoring.SignatureMismatch, match=r"tiny v1 refuses .*column z"):
        scoring.predict(champion, X.assign(z="high"))


def test_the_champion_loads_by_alias_in_a_new_process(trained):
    uri, artifacts, _ = trained
    X = tiny_data().pop("rows")[["x", "z"]].head(3)
    expected = registry.load_champion("tiny")[0].predict(X).p.to_numpy()
    code = textwrap.dedent(f"""
        import pandas as pd
        from ml import registry
        registry.connect({uri!r}, {str(artifacts)!r})
        model, version = registry.load_champion("tiny")
        print(version, *model.predict(pd.DataFrame({X.to_dict("list")!r})).p)""")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "1"
    assert np.allclose([float(v) for v in out[1:]], expected)
