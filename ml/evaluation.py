"""Time-ordered evaluation against named baselines.

Rows are split by the instant they are observed at (``as_of``): training rows are observed
before the cutoff and labelled with what was known at the cutoff; test rows are observed after
it. Never a random split: customer history would leak from later invoices into earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, mean_absolute_error, roc_auc_score

QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class TimeSplit:
    cutoff: pd.Timestamp
    end: pd.Timestamp  # last instant whose labels are fully known

    def describe(self) -> dict:
        return {"split_cutoff": str(self.cutoff.date()), "test_end": str(self.end.date())}


MIN_TRAIN_ROWS, MIN_TEST_ROWS = 200, 50


class NotEnoughHistory(ValueError):
    """The export does not cover enough settled history to train and evaluate a model."""


def require_rows(model: str, n_train: int, n_test: int, split: TimeSplit) -> None:
    if n_train < MIN_TRAIN_ROWS or n_test < MIN_TEST_ROWS:
        raise NotEnoughHistory(
            f"{model}: {n_train} training rows before {split.cutoff.date()} and {n_test} test rows up to "
            f"{split.end.date()}; at least {MIN_TRAIN_ROWS} and {MIN_TEST_ROWS} are needed. The export must "
            "cover more settled invoices (about a year of history)."
        )


def pinball(y: np.ndarray, q_pred: np.ndarray, q: float) -> float:
    diff = y - q_pred
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))


def regression_metrics(y, p10, p50, p90, prefix: str = "") -> dict[str, float]:
    y = np.asarray(y, dtype=float)
    return {
        f"{prefix}mae": float(mean_absolute_error(y, p50)),
        f"{prefix}rmse": float(np.sqrt(np.mean((y - p50) ** 2))),
        f"{prefix}pinball_p10": pinball(y, p10, 0.1),
        f"{prefix}pinball_p50": pinball(y, p50, 0.5),
        f"{prefix}pinball_p90": pinball(y, p90, 0.9),
        f"{prefix}coverage_p10_p90": float(np.mean((y >= p10) & (y <= p90))),
    }


def expected_calibration_error(y, p, bins: int = 10) -> float:
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def classification_metrics(y, p, prefix: str = "") -> dict[str, float]:
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    both = len(np.unique(y)) == 2
    return {
        f"{prefix}roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        f"{prefix}pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        f"{prefix}brier": float(brier_score_loss(y, p)),
        f"{prefix}ece": expected_calibration_error(y, p),
        f"{prefix}accuracy": float(np.mean((p >= 0.5) == (y == 1))),
        f"{prefix}positive_rate": float(y.mean()),
    }
