"""MLflow's conventions on a tiny training into a temporary SQLite store (the one shape every model
uses, ml.training): the run named by its training date, the training and test data logged as
datasets without their values, the model version described and tagged with its baselines, gates
and window, experiments that open on their runs, and drift runs in an experiment of their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ml import drift, registry, tracking, training
from ml.estimators import ProbabilityModel
from tests.test_ml_shape import AS_OF, GATES, TinySpec, tiny_data

E_MAIL = "alice.martin@example.com"


@dataclass(frozen=True)
class TinyTextSpec(TinySpec):
    """TinySpec whose features carry a message's text (as the inbound triage's do)."""

    trusted_types: ClassVar[tuple] = (*TinySpec.trusted_types, ColumnTransformer)

    def features(self, data, rows):
        return rows[["x", "z"]].assign(note=f"Hello, this is Alice ({E_MAIL})")

    def fit(self, train):
        numeric = ColumnTransformer([("numbers", "passthrough", ["x", "z"])])
        return ProbabilityModel(make_pipeline(numeric, LogisticRegression()), output="p").fit(train.X, train.y)

    def diagnostics(self, model, test, folder):
        return [], {}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    import mlflow

    tmp = tmp_path_factory.mktemp("mlflow")
    registry.connect(f"sqlite:///{tmp / 'mlflow.db'}", tmp / "artifacts")
    result = training.run_training(TinyTextSpec(), tiny_data(), AS_OF, GATES)
    return mlflow.get_run(result["run_id"]), result, tmp


def test_the_run_is_named_by_its_training_date(trained):
    run, _, _ = trained
    assert run.info.run_name == f"tiny-{AS_OF.date()}" == "tiny-2026-01-01"


def test_training_and_test_data_are_logged_as_datasets_without_their_values(trained):
    run, _, _ = trained
    by_context = {next(t.value for t in i.tags if t.key == "mlflow.data.context"): i for i in run.inputs.dataset_inputs}
    assert set(by_context) == {"training", "testing"}
    train_set, test_set, split = training.train_test(TinyTextSpec(), tiny_data(), AS_OF)
    logged = by_context["training"].dataset
    assert logged.name == "tiny-training" and logged.digest == tracking.fingerprint(train_set)
    assert by_context["testing"].dataset.digest == tracking.fingerprint(test_set) != logged.digest
    tags = {t.key: t.value for t in by_context["training"].tags}
    assert tags["rows"] == "300" and tags["window"] == tracking.training_window(train_set, split)
    assert E_MAIL in train_set.X.note.iloc[0]  # the data held an address ...
    everything = json.dumps([i.dataset.to_dictionary() for i in run.inputs.dataset_inputs])
    assert "alice" not in everything.lower()  # ... which the datasets do not
    summary = json.loads(logged.profile)
    assert summary["num_rows"] == 3 + 1  # one row per feature and the label, never a training row


def test_no_text_of_the_features_reaches_the_store(trained):
    """The input example keeps the text column (the signature needs it) but blanks it; the drift
    reference leaves it out."""
    _, _, tmp = trained
    stored = [p for p in (tmp / "artifacts").rglob("*") if p.suffix in (".json", ".txt", ".yaml")]
    assert any(p.name == "input_example.json" and '"note"' in p.read_text() for p in stored)
    assert not [p for p in stored if "alice" in p.read_text().lower()]
    assert registry.reference_features("tiny").columns.tolist() == ["x", "z"]


def test_the_model_version_carries_its_window_baseline_gates_and_result(trained):
    from mlflow import MlflowClient

    _, result, _ = trained
    client = MlflowClient()
    version = client.get_model_version("tiny", str(result["version"]))
    assert client.get_registered_model("tiny").description == "synthetic"
    assert "Trained on 2026-01-01: 300 rows observed" in version.description
    assert "brier" in version.description and "Result: promoted to champion." in version.description
    assert version.tags["training_date"] == "2026-01-01"
    assert version.tags["training_window"] == "2024-11-27..2025-09-23"
    assert version.tags["test_window"] == "2025-09-23..2026-01-01"
    assert version.tags["baseline"] == "prior" and version.tags["gate_result"] == "passed"
    assert float(version.tags["metric.brier"]) < float(version.tags["baseline.prior.brier"])


def test_experiments_open_on_their_runs_with_a_description(trained):
    import mlflow

    experiment = mlflow.get_experiment_by_name(TinySpec.experiment)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert "synthetic" in experiment.tags["mlflow.note.content"]
    assert "relance/drift/tiny" in experiment.tags["mlflow.note.content"]


def test_drift_runs_go_to_the_models_own_drift_experiment(trained):
    import mlflow

    _, _, tmp = trained
    data = tiny_data(seed=1)
    current = TinyTextSpec().features(data, data["rows"]).assign(x=lambda f: f.x + 3)  # shifted
    result = drift.monitor("tiny", current, "2026-01-02", tmp / "reports")
    assert result.drifted_features == ["x"]
    experiment = mlflow.get_experiment_by_name("relance/drift/tiny")
    run = mlflow.get_run(result.run_id)
    assert run.info.experiment_id == result.experiment_id == experiment.experiment_id
    assert run.info.run_name == "drift-2026-01-02" and run.data.tags["champion_version"] == "1"
    assert "Daily feature drift of tiny" in experiment.tags["mlflow.note.content"]
    training_runs = mlflow.search_runs(experiment_names=[TinySpec.experiment])
    assert list(training_runs["tags.mlflow.runName"]) == ["tiny-2026-01-01"]
    assert pd.notna(run.data.metrics["drifted_share"])
