"""What the detector is judged against, without the simulator's ground truth (the pipeline never
reads it): change evidence in hindsight, and the named baseline rule.

* Hindsight evidence: LABEL_WAIT days after the instant observed, the customer's events of the
  HINDSIGHT days around it differ clearly from its first events (median days late up by at least
  EVIDENT_DAYS and two baseline sds; a rate up by EVIDENT_RATE; engagement down to less than
  half). A row with no such evidence is a no-change row: an alert there is a false alarm.
* ``ratio_rule``: the vendor rule (CEOJuice, ../shared/notes/published-results.md §5) "alert when
  an invoice takes 2× the customer's average", generalised to each measure: the last HINDSIGHT
  days' figure is at least twice the customer's earlier average (half, for engagement).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ml.alerts.detect import BASELINE_EVENTS, MIN_SCALE
from ml.alerts.series import MEASURES

LABEL_WAIT = pd.Timedelta(days=90)
HINDSIGHT = 90  # days
EVIDENT_DAYS = 3.0
EVIDENT_RATE = 0.3
MIN_RECENT_EVENTS = 3


def _stats(values: np.ndarray, recent: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the baseline figure, the recent figure and the baseline sd (levels)."""
    head = values[:, :BASELINE_EVENTS]
    later = np.where(recent, values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if kind == "level":
            sd = np.maximum(np.nanstd(head, axis=1), MIN_SCALE)
            return np.nanmedian(head, axis=1), np.nanmedian(later, axis=1), sd
        return np.nanmean(head, axis=1), np.nanmean(later, axis=1), np.zeros(len(values))


def hindsight(values: np.ndarray, ages: np.ndarray, change_type: str) -> np.ndarray:
    """1 where the series seen LABEL_WAIT later shows the change (``ages``: days before that
    later instant), 0 where it does not."""
    measure = MEASURES[change_type]
    recent = (ages <= HINDSIGHT + LABEL_WAIT.days) & ~np.isnan(values)
    recent[:, :BASELINE_EVENTS] = False
    before, now, sd = _stats(values, recent, measure.kind)
    enough = recent.sum(axis=1) >= MIN_RECENT_EVENTS
    if measure.kind == "level":
        evident = now - before >= np.maximum(EVIDENT_DAYS, 2 * sd)
    elif measure.direction > 0:
        evident = now - before >= EVIDENT_RATE
    else:
        evident = (before >= 0.3) & (now <= 0.5 * before)
    return (enough & evident).astype(int)


def ratio_rule(values: np.ndarray, ages: np.ndarray, change_type: str) -> np.ndarray:
    """The vendor rule's alert at the instant observed (``ages``: days before it)."""
    measure = MEASURES[change_type]
    present = ~np.isnan(values)
    recent = (ages <= HINDSIGHT) & present
    earlier = np.where(~recent & present, values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        average = np.nanmean(earlier, axis=1)
        if measure.kind == "level":  # any recent invoice at twice the average (at least a day)
            fires = np.nanmax(np.where(recent, values, -np.inf), axis=1) >= 2 * np.maximum(average, 1.0)
        else:
            share = np.nanmean(np.where(recent, values, np.nan), axis=1)
            fires = share >= 2 * np.maximum(average, 0.05) if measure.direction > 0 else share <= 0.5 * average
    return (fires & (recent.sum(axis=1) >= 1) & (np.sum(~recent & present, axis=1) >= BASELINE_EVENTS)).astype(int)


def rates(alerted: np.ndarray, label: np.ndarray, prefix: str = "") -> dict[str, float]:
    """False-alarm rate on no-change rows, detection rate on changed rows, precision."""
    alerted, label = np.asarray(alerted, dtype=bool), np.asarray(label, dtype=bool)
    return {
        f"{prefix}false_alarm_rate": float(alerted[~label].mean()) if (~label).any() else float("nan"),
        f"{prefix}detection_rate": float(alerted[label].mean()) if label.any() else float("nan"),
        f"{prefix}precision": float(label[alerted].mean()) if alerted.any() else float("nan"),
        f"{prefix}alert_rate": float(alerted.mean()) if len(alerted) else float("nan"),
    }
