"""Payment delay: for each open invoice, days late at settlement (P10 / P50 / P90, capped at 90)
and the probability of paying more than 30 days late, given that it is still open today.

An ml.spec.ModelSpec (trained, promoted and scored by ml.training / ml.scoring). Training rows
are invoices observed at a random instant while they were open, up to the cap (the situation
scoring faces: some not yet due, some already late, some never paid), with point-in-time
features including the days already elapsed. The quantile models learn only from rows whose
outcome was known whatever it was (due at least the cap before the cutoff): the recent invoices
settled quickly are known, their slow siblings are not, and learning from the first alone would
pull every quantile early. What the models say is then conditioned on survival to the day
observed (ml.survival), so no quantile says an open invoice was paid in the past.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance

from ml import evaluation, survival
from ml.history import LABEL_CAP_DAYS, FillEmptyColumns, build_features, label_days_late, settled_history
from ml.spec import INVOICE_SCORES, Output, TrainingSet, Window

MODEL_NAME = "payment_delay"
EXPERIMENT = "relance-payment-delay"
SEED = 42
TEST_DAYS = 120
LATE_THRESHOLD = 30
# The most recent training rows only, beyond this: keeps training within 5 minutes on 2 cores at
# 2M+ invoices, and recent behaviour is what predicts the open book.
MAX_TRAIN_ROWS = 400_000
# 80 shallow trees: as accurate as 150 deeper ones on the simulator (test MAE 5.98 either way)
# and twice as fast to predict, which the daily scoring of millions of open invoices needs.
PARAMS = {
    "max_iter": 80,
    "learning_rate": 0.15,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 100,
    "l2_regularization": 1.0,
    "early_stopping": False,
}
# The band's edges and the > 30 days classifier need fewer trees: conformal calibration corrects
# what the edges miss, and the classifier's ranking (ROC AUC) is unchanged at 40 larger steps.
# Halving them is what brings daily scoring past 5M invoices a minute (benchmarks/ml_large.py).
BAND_PARAMS = PARAMS | {"max_iter": 40, "learning_rate": 0.25}
BAND_COVERAGE = 0.8  # P10–P90 should hold 80 % of outcomes: conformal calibration targets it
CALIBRATION_SHARE = 0.2


@dataclass(frozen=True)
class Options:
    """How rows are observed and labelled. The defaults suit the daily pipeline; the IBM sample
    (settled invoices only, lateness floored at 0) predicts at the invoice date instead."""

    observe_at: str = "random_open_day"  # or "issue_date"
    floor_at_zero: bool = False
    cutoff: pd.Timestamp | None = None  # default: as_of − label_wait_days − TEST_DAYS
    label_wait_days: int = LABEL_CAP_DAYS  # how long after its due date an outcome is surely known


class DelayModel(BaseEstimator):
    """Three quantile regressors and one classifier behind one predict().

    The P10–P90 band is conformalized (split conformal quantile regression): the quantile
    models are fitted on the earlier 80 % of the training rows and the band widened (or
    narrowed) by what the latest 20 % needs to hold 80 % of outcomes, so coverage holds on new
    data rather than only in sample.
    """

    def __init__(self, params: dict | None = None, band_params: dict | None = None, seed: int = SEED):
        self.params = params
        self.band_params = band_params
        self.seed = seed

    def fit(self, X: pd.DataFrame, y: pd.Series, observed_at: pd.Series | None = None, late30: pd.Series | None = None):
        """``y``: days late, NaN where only ``late30`` is known (an invoice still unpaid more than
        30 days past due): the quantile models learn from known delays, the > 30 days
        classifier from every row, so it does not under-predict the invoices running late."""
        params = self.params or PARAMS
        late30 = y > LATE_THRESHOLD if late30 is None else late30
        self.fill_ = FillEmptyColumns().fit(X)
        X_all = self.fill_.transform(X)
        known = y.notna().to_numpy()
        X, y = X_all[known], y[known]
        order = (
            np.argsort(observed_at[known].to_numpy(), kind="stable") if observed_at is not None else np.arange(len(X))
        )
        n_fit = int(len(X) * (1 - CALIBRATION_SHARE))
        fit_idx, cal_idx = order[:n_fit], order[n_fit:]
        self.feature_names_in_ = np.asarray(X.columns)
        self.quantile_models_ = {
            q: HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                random_state=self.seed,
                **(params if q == 0.5 else self.band_params or BAND_PARAMS),
            ).fit(X.iloc[fit_idx], y.iloc[fit_idx])
            for q in evaluation.QUANTILES
        }
        self.band_adjustment_ = 0.0
        raw = self._quantiles(X.iloc[cal_idx])
        conformity = np.maximum(raw[:, 0] - y.iloc[cal_idx].to_numpy(), y.iloc[cal_idx].to_numpy() - raw[:, 2])
        self.band_adjustment_ = float(np.quantile(conformity, BAND_COVERAGE))
        self.classifier_ = HistGradientBoostingClassifier(
            random_state=self.seed, **(self.band_params or BAND_PARAMS)
        ).fit(X_all, late30)
        return self

    def _quantiles(self, X: pd.DataFrame) -> np.ndarray:
        q = np.column_stack([self.quantile_models_[k].predict(X) for k in evaluation.QUANTILES])
        return np.sort(q, axis=1)  # no crossing quantiles

    def unconditional(self, X: pd.DataFrame) -> pd.DataFrame:
        """What the models say before conditioning on survival (the conformalized band)."""
        X = self.fill_.transform(X)
        q = self._quantiles(X) + np.array([-self.band_adjustment_, 0.0, self.band_adjustment_])
        p = self.classifier_.predict_proba(X)[:, 1]
        return pd.DataFrame({"p10": q[:, 0], "p50": q[:, 1], "p90": q[:, 2], "p_late_30": p}, index=X.index)

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """The quantiles given that each invoice is still open ``-days_to_due`` days after its
        due date at the instant observed (ml.survival), and P(> 30 days late) likewise."""
        raw = self.unconditional(X)
        elapsed = -X.days_to_due.to_numpy(dtype=float)
        q = survival.conditional_quantiles(raw[["p10", "p50", "p90"]].to_numpy(), elapsed, LABEL_CAP_DAYS)
        p = survival.conditional_late_probability(raw.p_late_30.to_numpy(), elapsed, LATE_THRESHOLD)
        return pd.DataFrame({"p10": q[:, 0], "p50": q[:, 1], "p90": q[:, 2], "p_late_30": p}, index=X.index)


# ------------------------------------------------------------------ features
def observation_rows(
    invoices: pd.DataFrame, known_until: pd.Timestamp, options: Options, seed: int = SEED
) -> pd.DataFrame:
    """One observation per invoice at an instant it was open, using only what was known on
    ``known_until`` (a settlement after it is unknown). The instant is drawn per invoice from a
    hash of its id, so it does not depend on which other invoices are in the data."""
    rows = invoices.copy()
    if options.observe_at == "issue_date":
        rows["as_of"] = rows.issue_date
        return rows
    settled = rows.settled_on.where(rows.settled_on < known_until)
    last_open = settled.fillna(known_until).clip(upper=rows.due_date + pd.Timedelta(days=LABEL_CAP_DAYS))
    span = np.maximum((last_open - rows.issue_date).dt.days.to_numpy(), 0)
    draw = pd.util.hash_pandas_object(rows.invoice_id + f":{seed}", index=False).to_numpy() / 2.0**64
    rows["as_of"] = rows.issue_date + pd.to_timedelta(np.floor(draw * (span + 1)), unit="D")
    return rows


def baselines(X_train: pd.DataFrame, y_train: pd.Series, X: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Named baselines: the customer's own historical average delay (with the training
    residual spread as its band), and "always on time" (0 days late)."""
    fallback = float(y_train.median())
    hist_train = X_train.hist_mean_late.fillna(fallback)
    resid = y_train - hist_train
    lo, hi = np.quantile(resid, 0.1), np.quantile(resid, 0.9)
    mean = X.hist_mean_late.fillna(fallback).to_numpy()
    late30 = X.hist_late30_share.fillna(float((y_train > LATE_THRESHOLD).mean())).to_numpy()
    zeros = np.zeros(len(X))
    return {
        "customer_history": pd.DataFrame({"p10": mean + lo, "p50": mean, "p90": mean + hi, "p_late_30": late30}),
        "always_on_time": pd.DataFrame({"p10": zeros, "p50": zeros, "p90": zeros, "p_late_30": zeros}),
    }


def evaluate(predictions: pd.DataFrame, y: pd.Series, prefix: str = "") -> dict[str, float]:
    y = y.to_numpy(dtype=float)
    metrics = evaluation.regression_metrics(y, predictions.p10, predictions.p50, predictions.p90, prefix)
    metrics |= evaluation.classification_metrics(y > LATE_THRESHOLD, predictions.p_late_30, f"{prefix}late30_")
    metrics[f"{prefix}late_accuracy"] = float(np.mean((predictions.p50.to_numpy() >= 0.5) == (y > 0)))
    return metrics


def _plots(model: DelayModel, X_test: pd.DataFrame, y_test: pd.Series, folder: Path) -> list[Path]:
    from ml import plots  # matplotlib: only where plots are drawn

    pred = model.predict(X_test)
    history_band = pd.cut(
        X_test.hist_mean_late, [-np.inf, 0, 7, 15, 30, np.inf], labels=["early", "0-7", "7-15", "15-30", "30+"]
    ).astype(str)
    sample = X_test.sample(min(2000, len(X_test)), random_state=SEED)
    importance = permutation_importance(
        model.quantile_models_[0.5],
        sample,
        y_test[sample.index],
        n_repeats=3,
        random_state=SEED,
        scoring="neg_mean_absolute_error",
    )
    return [
        plots.calibration(
            (y_test > LATE_THRESHOLD).astype(int),
            pred.p_late_30,
            folder / "calibration_late30.png",
            "P(> 30 days late): calibration on the test window",
        ),
        plots.residuals_by_segment(
            y_test - pred.p50,
            history_band,
            folder / "residuals_by_segment.png",
            "Residuals by customer's historical lateness",
        ),
        plots.feature_importance(
            pd.Series(importance.importances_mean, index=sample.columns),
            folder / "feature_importance.png",
            "P50 model: permutation importance",
        ),
    ]


@dataclass(frozen=True)
class PaymentDelay:
    """The payment-delay model as an ml.spec.ModelSpec."""

    options: Options = field(default_factory=Options)
    name: ClassVar[str] = MODEL_NAME
    experiment: ClassVar[str] = EXPERIMENT
    description: ClassVar[str] = (
        "Payment-delay model (P10/P50/P90 days late, P(> 30 days late)) trained on the latest marts, evaluated on "
        "a time-ordered test window against named baselines."
    )
    feature_set: ClassVar[str] = "invoice_history"
    output: ClassVar[Output] = INVOICE_SCORES
    score_columns: ClassVar[dict[str, str]] = {
        "p10": "p10_days_late",
        "p50": "p50_days_late",
        "p90": "p90_days_late",
        "p_late_30": "p_late_30",
    }
    trusted_types: ClassVar[tuple[type, ...]] = (DelayModel, FillEmptyColumns)

    @property
    def params(self) -> dict:
        band = {f"band_{k}": v for k, v in BAND_PARAMS.items() if PARAMS.get(k) != v}
        return PARAMS | band | {"band_coverage": BAND_COVERAGE}

    @property
    def window(self) -> Window:
        return Window(TEST_DAYS, self.options.label_wait_days, self.options.cutoff, MAX_TRAIN_ROWS)

    def _data(self, data: dict) -> dict:
        if not self.options.floor_at_zero:
            return data
        floored = data["invoices"].assign(days_late=data["invoices"].days_late.clip(lower=0))
        # history floored too; the other tables looked up in ``data`` (read when asked: ml.data.Marts)
        return ChainMap({"invoices": floored, "history": settled_history(floored)}, data)

    def observations(self, data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
        """Invoices observed while open, labelled with their days late as known on ``known_until``
        when that outcome was known whatever it was (``label_known_at``; NaN otherwise). One whose
        days late are not known yet is kept with ``late30`` only when that part is known whatever
        it was (due more than 30 days before): leaving out the invoices still running late would
        hide exactly the late invoices of the last months from the classifier, and keeping the
        recent ones settled early without their slow siblings would make both models optimistic."""
        invoices = self._data(data)["invoices"]
        label = label_days_late(invoices, known_until)
        if self.options.floor_at_zero:
            label = label.clip(lower=0)
        settled = invoices.settled_on < known_until
        late30_known = invoices.due_date < known_until - pd.Timedelta(days=LATE_THRESHOLD)
        running_late = label.isna() & ~settled & late30_known
        rows = observation_rows(invoices, known_until, self.options)
        by_issue = self.options.observe_at == "issue_date"
        known_at = rows.issue_date if by_issue else rows.due_date + pd.Timedelta(days=self.options.label_wait_days)
        late30 = (label > LATE_THRESHOLD) | running_late
        keep = (label.notna() & ((known_at <= known_until) | late30_known | late30)) | running_late
        rows = rows.assign(label=label.where(known_at <= known_until), late30=late30, label_known_at=known_at)
        return rows[keep]

    def features(self, data: dict, rows: pd.DataFrame) -> pd.DataFrame:
        return build_features(rows, self._data(data))

    def fit(self, train: TrainingSet) -> DelayModel:
        return DelayModel(seed=SEED).fit(train.X, train.y, train.observed_at, train.rows.late30)

    def evaluate(self, model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
        metrics = evaluate(model.predict(test.X), test.y)
        known = train.y.notna()
        for name, pred in baselines(train.X[known], train.y[known], test.X).items():
            metrics |= evaluate(pred, test.y, prefix=f"baseline_{name}_")
        return metrics

    def diagnostics(self, model: DelayModel, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
        return _plots(model, test.X, test.y, folder), {"band_adjustment": model.band_adjustment_}

    def scoring_rows(self, data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
        """Every open invoice, observed after the as-of day's events (start of the next day)."""
        open_invoices = data["invoices"][data["invoices"].open_amount > 0].copy()
        open_invoices["as_of"] = as_of + pd.Timedelta(days=1)
        return open_invoices


SPEC = PaymentDelay()
