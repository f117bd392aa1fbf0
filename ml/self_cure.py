"""Self-cure: the probability that an overdue invoice is paid within 14 days past due without a
reminder, from the customer's point-in-time history.

Same shape as ml.payment_delay. The label is only identified on invoices that got no reminder
in those 14 days: the legacy policy held a random share of customers out of reminders, so the
model learns from them and nothing else (reminded invoices would mix in the reminders' effect).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from ml import evaluation, plots, registry
from ml.history import FEATURES, FillEmptyColumns, build_features

MODEL_NAME = "self_cure"
EXPERIMENT = "relance-self-cure"
SEED = 42
WINDOW_DAYS = 14
REMINDER_EVIDENCE_DAYS = 5  # unpaid this long past due, a non-held-out customer gets a reminder
TEST_DAYS = 120
# 80 trees at a higher learning rate score as well as 150 slower ones and take half the time to
# predict the daily overdue book.
PARAMS = {"max_iter": 80, "learning_rate": 0.15, "max_leaf_nodes": 15, "min_samples_leaf": 50,
          "l2_regularization": 1.0, "early_stopping": False}


# ------------------------------------------------------------------ features
def held_out_quarters(data: dict) -> pd.DataFrame:
    """(customer, due quarter) pairs the dunning policy deliberately left alone: the customer had
    invoices still unpaid well past due, not in dispute, yet got no reminder at all that quarter.

    Selecting rows on "got no reminder" alone would bias the label (quick payers are never
    reminded); selecting the held-out customer-quarters does not depend on the outcome.
    """
    inv = data["invoices"].assign(quarter=lambda f: f.due_date.dt.to_period("Q"))
    disputed = set(data["disputes"].invoice_id)
    late = inv.settled_on.isna() | (inv.settled_on > inv.due_date + pd.Timedelta(days=REMINDER_EVIDENCE_DAYS))
    eligible = inv[late & ~inv.invoice_id.isin(disputed)][["customer_id", "quarter"]].drop_duplicates()
    reminded = data["contacts"].dropna(subset=["invoice_id"]).merge(inv[["invoice_id", "quarter"]], on="invoice_id")
    reminded = reminded[["customer_id", "quarter"]].drop_duplicates()
    merged = eligible.merge(reminded, on=["customer_id", "quarter"], how="left", indicator=True)
    return merged[merged._merge == "left_only"][["customer_id", "quarter"]]


def observation_rows(data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
    """Invoices of held-out customer-quarters still unpaid the day after their due date,
    observed then, whose 14-day window has closed by ``known_until``."""
    inv = data["invoices"].assign(quarter=lambda f: f.due_date.dt.to_period("Q"))
    start = inv.due_date + pd.Timedelta(days=1)
    overdue = inv[(inv.settled_on.isna() | (inv.settled_on >= start))
                  & (start + pd.Timedelta(days=WINDOW_DAYS) <= known_until) & ~inv.credited_by_dispute]
    held = pd.MultiIndex.from_frame(held_out_quarters(data))
    overdue = overdue[pd.MultiIndex.from_frame(overdue[["customer_id", "quarter"]]).isin(held)]
    return overdue.assign(as_of=overdue.due_date + pd.Timedelta(days=1)).drop(columns="quarter")


def label(rows: pd.DataFrame) -> pd.Series:
    paid_by = rows.due_date + pd.Timedelta(days=WINDOW_DAYS)
    return (rows.settled_on.notna() & (rows.settled_on <= paid_by)).astype(int)


def features(data: dict, rows: pd.DataFrame) -> pd.DataFrame:
    return build_features(rows, data)


def training_frames(data: dict, as_of: pd.Timestamp):
    rows = observation_rows(data, as_of)
    end = as_of - pd.Timedelta(days=WINDOW_DAYS + 1)
    split = evaluation.TimeSplit(end - pd.Timedelta(days=TEST_DAYS), end)
    # a training row's label must be known at the cutoff: its window closed before it
    train = rows[rows.as_of + pd.Timedelta(days=WINDOW_DAYS) < split.cutoff]
    test = rows[(rows.as_of >= split.cutoff) & (rows.as_of <= split.end)]
    evaluation.require_rows(MODEL_NAME, len(train), len(test), split)
    return features(data, train), label(train), features(data, test), label(test), test, split


# ------------------------------------------------------------------ train / evaluate
def train(X: pd.DataFrame, y: pd.Series, seed: int = SEED) -> Pipeline:
    return Pipeline([("fill", FillEmptyColumns()),
                     ("model", HistGradientBoostingClassifier(random_state=seed, **PARAMS))]).fit(X, y)


def baseline(X: pd.DataFrame, y_train: pd.Series) -> np.ndarray:
    """Named baseline: the customer's own historical self-cure rate (share of its earlier
    overdue invoices paid within 14 days past due), else the training rate."""
    return X.hist_self_cure_share.fillna(float(y_train.mean())).to_numpy()


def evaluate(model, X_train, y_train, X_test, y_test) -> dict[str, float]:
    metrics = evaluation.classification_metrics(y_test, model.predict_proba(X_test)[:, 1])
    metrics |= evaluation.classification_metrics(y_test, baseline(X_test, y_train), "baseline_customer_history_")
    return metrics


# ------------------------------------------------------------------ register
def register(model, X_train, y_train, X_test, y_test, split) -> dict:
    import mlflow

    registry.use_experiment(EXPERIMENT)
    metrics = evaluate(model, X_train, y_train, X_test, y_test)
    with mlflow.start_run(run_name=f"{MODEL_NAME}-{split.cutoff.date()}") as run:
        mlflow.log_params(PARAMS | split.describe() | {"train_rows": len(X_train), "test_rows": len(X_test),
                                                       "window_days": WINDOW_DAYS, "seed": SEED,
                                                       "features": ",".join(FEATURES)})
        mlflow.log_metrics({k: v for k, v in metrics.items() if np.isfinite(v)})
        with tempfile.TemporaryDirectory() as tmp:
            path = plots.calibration(y_test, model.predict_proba(X_test)[:, 1], Path(tmp) / "calibration.png",
                                     "Self-cure within 14 days: calibration on the test window")
            mlflow.log_artifact(str(path), artifact_path="plots")
            reference = Path(tmp) / "reference_features.parquet"
            X_train.sample(min(5000, len(X_train)), random_state=SEED).to_parquet(reference)
            mlflow.log_artifact(str(reference), artifact_path="reference")
        decision = registry.register_and_promote(
            MODEL_NAME, model, X_test.head(50), "brier", metrics["brier"],
            lambda champion: evaluation.classification_metrics(y_test, champion.predict_proba(X_test)[:, 1])["brier"],
            baseline_score=metrics["baseline_customer_history_brier"], trusted_types=(FillEmptyColumns,))
    return {"run_id": run.info.run_id, "metrics": metrics, **decision}


def run_training(data: dict, as_of: pd.Timestamp) -> dict:
    X_train, y_train, X_test, y_test, _, split = training_frames(data, as_of)
    return register(train(X_train, y_train), X_train, y_train, X_test, y_test, split)


# ------------------------------------------------------------------ score
def score(model, data: dict, as_of: pd.Timestamp, X_open: pd.DataFrame | None = None) -> pd.DataFrame:
    """P(self-cure) for each open invoice already past due, observed after the as-of day.
    ``X_open``: the open book's features when already computed (by the payment-delay scoring,
    same rows, same instant), so they are not computed twice."""
    inv = data["invoices"]
    rows = inv[(inv.open_amount > 0) & (inv.due_date <= as_of)].copy()
    rows["as_of"] = as_of + pd.Timedelta(days=1)
    X = X_open.loc[rows.index] if X_open is not None else features(data, rows)
    p = model.predict_proba(X)[:, 1] if len(X) else np.array([])
    return rows[["invoice_id", "customer_id"]].assign(p_self_cure=p)
