"""The shape every model implements, so training, promotion, scoring and drift monitoring are
written once (ml.training, ml.registry, ml.scoring) and a new model is one module: how its rows
are observed and labelled, how it is fitted, what it is judged on, what it scores.

A model predicts a DataFrame with its ``output`` columns (``predict(X) -> DataFrame``): that is
what MLflow's pyfunc flavour returns at scoring, with the input signature enforced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd


@dataclass(frozen=True)
class Window:
    """Where the time-ordered split falls (see ml.evaluation.TimeSplit)."""

    test_days: int  # length of the test window
    label_wait_days: int  # how long after its observation a row's label is surely known
    cutoff: pd.Timestamp | None = None  # default: as_of − label_wait_days − test_days
    max_train_rows: int | None = None  # keep only the most recent training rows beyond this


@dataclass(frozen=True)
class Output:
    """Where a model's daily scores go: ``ml.<table>``, one row per ``key`` and as-of date.
    Models of the same grain share a table (every invoice-grain model adds its columns to
    ml.invoice_scores, which the marts read); other grains (a contact's send hour, an inbound
    message's category, a customer's alert) get a table of their own."""

    table: str
    key: tuple[str, ...]


INVOICE_SCORES = Output("invoice_scores", ("invoice_id",))


@dataclass(frozen=True)
class TrainingSet:
    """Feature rows with their labels; ``rows`` are the observations they come from (at least
    ``as_of``, the instant observed at, and ``customer_id``), aligned on the same index."""

    X: pd.DataFrame
    y: pd.Series
    rows: pd.DataFrame

    @property
    def observed_at(self) -> pd.Series:
        return self.rows.as_of

    @property
    def groups(self) -> pd.Series:
        return self.rows.customer_id

    def __len__(self) -> int:
        return len(self.X)


class ModelSpec(Protocol):
    name: str  # registered model name, ml.drift_reports.model, Dagster asset "<name>_model"
    experiment: str  # MLflow experiment
    description: str
    params: dict  # logged with every training run
    window: Window
    feature_set: str  # specs sharing a feature set share the features computed at scoring
    output: Output  # the ml table the scores go to, and its key
    score_columns: dict[str, str]  # model output column -> column of the output table
    trusted_types: tuple[type, ...]  # our classes inside the fitted model (skops refuses others)

    def observations(self, data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
        """One row per observation with ``as_of`` (observed at), ``label`` as known at the
        start of ``known_until`` (rows of which nothing is known yet are left out; a label known
        only in part may be NaN, with the part in a column of the spec's own) and
        ``label_known_at`` (when the label is known whatever the outcome)."""

    def features(self, data: dict, rows: pd.DataFrame) -> pd.DataFrame:
        """Point-in-time features of ``rows`` (also what drift monitoring compares)."""

    def fit(self, train: TrainingSet):
        """A fitted estimator whose ``predict(X)`` returns the ``score_columns`` outputs."""

    def evaluate(self, model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
        """Metrics of ``model`` on ``test``, and of each named baseline as
        ``baseline_<name>_<metric>`` (baselines may learn from ``train``)."""

    def diagnostics(self, model, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
        """Plots written into ``folder`` and extra figures, logged with the training run."""

    def scoring_rows(self, data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
        """The rows scored after the as-of day (with the output's key columns and ``as_of``)."""
