"""Train, evaluate, register and promote any model (an ml.spec.ModelSpec), the same way for all.

The split is time-ordered (ml.evaluation): training rows are observed before the cutoff and
labelled with what was known at the cutoff; test rows are observed in the test window and
labelled once their label is known whatever the outcome. Never a random split: customer history
would leak from later invoices into earlier ones.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ml import evaluation, gates, registry, tracking
from ml.spec import ModelSpec, TrainingSet

SEED = 42
REFERENCE_ROWS = 5000  # drift reference: a sample of the population scored at training time


def time_split(spec: ModelSpec, as_of: pd.Timestamp) -> evaluation.TimeSplit:
    end = as_of - pd.Timedelta(days=spec.window.label_wait_days)
    return evaluation.TimeSplit(spec.window.cutoff or end - pd.Timedelta(days=spec.window.test_days), end)


def training_set(spec: ModelSpec, data: dict, rows: pd.DataFrame) -> TrainingSet:
    return TrainingSet(spec.features(data, rows), rows.label, rows)


def train_test(
    spec: ModelSpec, data: dict, as_of: pd.Timestamp
) -> tuple[TrainingSet, TrainingSet, evaluation.TimeSplit]:
    split = time_split(spec, as_of)
    train = spec.observations(data, split.cutoff)
    train = train[train.as_of < split.cutoff].sort_values("as_of", kind="stable")
    if spec.window.max_train_rows is not None:
        train = train.tail(spec.window.max_train_rows)
    test = spec.observations(data, as_of)
    test = test[
        (test.as_of >= split.cutoff) & (test.as_of <= split.end) & (test.label_known_at <= as_of) & test.label.notna()
    ]
    evaluation.require_rows(spec.name, len(train), len(test), split)
    return training_set(spec, data, train), training_set(spec, data, test), split


def run_training(spec: ModelSpec, data: dict, as_of: pd.Timestamp, model_gates: list[gates.Gate] | None = None) -> dict:
    """Fit on the training rows, evaluate against the named baselines on the test window, log
    the run (params, metrics, plots, model with its signature, drift reference), register it
    as challenger and promote it if it passes ``model_gates`` (default: ml/config/gates.yaml)."""
    import mlflow

    model_gates = gates.load(spec.name) if model_gates is None else model_gates
    train, test, split = train_test(spec, data, as_of)
    model = spec.fit(train)
    metrics = spec.evaluate(model, train, test)
    registry.use_experiment(spec.experiment, experiment_note(spec))
    # Named by the training (as-of) date: the run of each day's retrain is found by its date.
    with mlflow.start_run(run_name=f"{spec.name}-{as_of.date()}") as run:
        tracking.log_datasets(spec, train, test, split)
        mlflow.log_params(
            spec.params
            | split.describe()
            | {
                "train_rows": len(train),
                "test_rows": len(test),
                "features": ",".join(train.X.columns),
                "seed": SEED,
                "gates": ";".join(f"{g.metric}<{g.baseline}-{g.margin:.0%}" for g in model_gates),
            }
        )
        with tempfile.TemporaryDirectory() as tmp:
            paths, figures = spec.diagnostics(model, test, Path(tmp))
            for path in paths:
                mlflow.log_artifact(str(path), artifact_path="plots")
            reference = Path(tmp) / "reference_features.parquet"
            reference_features(spec, data, as_of, train).to_parquet(reference)
            mlflow.log_artifact(str(reference), artifact_path="reference")
        mlflow.log_metrics({k: v for k, v in (metrics | figures).items() if np.isfinite(v)})
        version = registry.log_model(spec.name, model, test.X.head(50), spec.trusted_types)
        decision = registry.promote(
            spec.name, version, model_gates, metrics, lambda champion: spec.evaluate(champion, train, test)
        )
        notes, tags = tracking.version_notes(spec, decision, train, test, split, as_of)
        registry.describe_version(spec.name, version, spec.description, notes, tags)
    return {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id, "metrics": metrics, **decision}


def experiment_note(spec: ModelSpec) -> str:
    """What the experiment's page says above its runs."""
    return (
        f"{spec.description}\n\nOne run per training, named `{spec.name}-<training date>`: parameters "
        "(split, gates), metrics against the named baselines, plots, the training and test data as "
        f"datasets, the model registered as `{spec.name}` (challenger, champion once it passes its "
        f"gates). Daily feature drift: experiment `{registry.drift_experiment(spec.name)}`."
    )


def reference_features(spec: ModelSpec, data: dict, as_of: pd.Timestamp, train: TrainingSet) -> pd.DataFrame:
    """What daily scoring is compared with: the features of the rows scored on the training
    day (the training rows when there are none, e.g. a history of settled invoices only), but
    their text, which drift does not test and which must not reach the MLflow store."""
    rows = spec.scoring_rows(data, as_of)
    X = spec.features(data, rows) if len(rows) else train.X
    return X.drop(columns=tracking.text_columns(X)).sample(min(REFERENCE_ROWS, len(X)), random_state=SEED)
