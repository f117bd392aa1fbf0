"""The fitted detector: CUSUM thresholds per change type and noise bin, calibrated on the
training window for a target false-alarm rate, and the alert each series raises with its evidence.

Feature rows (``ml.alerts.spec``) carry one customer series each: ``change_code`` (index into
CHANGE_TYPES), ``observed_day`` (the instant observed, days since 1970), the event values
``v00…`` and their ages ``a00…`` (days before the instant observed), oldest first, NaN-padded —
fixed columns, so MLflow's signature check still guards scoring. Ages, not dates: only
``observed_day`` moves with time, so drift monitoring compares like with like.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ml.alerts import detect
from ml.alerts.series import CHANGE_TYPES, MEASURES, WIDTH, to_date

VALUE_COLUMNS = [f"v{i:02d}" for i in range(WIDTH)]
AGE_COLUMNS = [f"a{i:02d}" for i in range(WIDTH)]
FEATURES = ["change_code", "observed_day", *VALUE_COLUMNS, *AGE_COLUMNS]
OUTPUTS = ["is_alert", "started_on", "size", "before_value", "after_value", "events_after", "evidence"]
# An alarm is an alert only when the change is worth a conversation: two days later than a
# customer's usual is noise to a collector, whatever the statistics say; and for days late, a
# shift within two of the customer's own sds is its usual spread, not a drift.
# A rate falling is material when it is at most FALLEN of what it was (and by MATERIAL at least):
# "used to open and answer, now silent" is relative — a customer who opened a quarter of its
# reminders and now opens none has gone as silent as one who opened them all.
MATERIAL = {"delay_drift": 3.0, "method_switch": 0.25, "serial_dispute": 0.25, "goes_silent": 0.1}
MATERIAL_SDS = 2.0
FALLEN = 0.5
UNITS = {
    "delay_drift": "median days late {:.0f} → {:.0f}",
    "method_switch": "invoices paid in parts or by an unusual method {:.0%} → {:.0%}",
    "serial_dispute": "invoices disputed {:.0%} → {:.0%}",
    "goes_silent": "reminders opened or answered {:.0%} → {:.0%}",
}


class ChangeDetector(BaseEstimator):
    """CUSUM per change type; ``fit`` sets the thresholds of each type so that
    ``false_alarm_rate`` of the training customers' simulated no-change series would alarm
    (detect.calibrate): nothing is tuned by hand to a data set."""

    def __init__(self, false_alarm_rate: float = 0.005, draws: int = 50, seed: int = 42):
        self.false_alarm_rate = false_alarm_rate
        self.draws = draws
        self.seed = seed

    def fit(self, X: pd.DataFrame, y=None):
        self.thresholds_ = {}
        for code, change_type in enumerate(CHANGE_TYPES):
            values = X.loc[X.change_code == code, VALUE_COLUMNS].to_numpy(dtype=float)
            self.thresholds_[change_type] = detect.calibrate(
                values, MEASURES[change_type], self.false_alarm_rate, self.draws, self.seed + code
            ).tolist()
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=X.index, columns=OUTPUTS)
        for code, change_type in enumerate(CHANGE_TYPES):
            mine = X.change_code.to_numpy() == code
            if mine.any():
                out.loc[mine, OUTPUTS] = alerts(X[mine], change_type, self.thresholds_[change_type]).to_numpy()
        return out.astype(
            {
                "is_alert": bool,
                "started_on": "datetime64[ns]",
                "size": float,
                "before_value": float,
                "after_value": float,
                "events_after": float,
                "evidence": object,
            }
        )


def alerts(X: pd.DataFrame, change_type: str, thresholds: list[float]) -> pd.DataFrame:
    """The alert of every series of one change type: when the change started (the date of its
    first changed event), its size (after − before, in the measure's unit) and the figures."""
    measure = MEASURES[change_type]
    values = X[VALUE_COLUMNS].to_numpy(dtype=float)
    dates = X.observed_day.to_numpy(dtype=float)[:, None] - X[AGE_COLUMNS].to_numpy(dtype=float)
    found = detect.cusum(values, measure, np.asarray(thresholds)[detect.noise_bin(values, measure)])
    index = np.arange(values.shape[1])[None, :]
    onset = np.where(found.alarm >= 0, found.onset, values.shape[1])
    after_mask = (index >= onset[:, None]) & ~np.isnan(values)
    after = _centre(np.where(after_mask, values, np.nan), measure.kind)
    earlier = np.where(index < np.minimum(onset, found.onset.clip(detect.BASELINE_EVENTS))[:, None], values, np.nan)
    before = _centre(earlier, measure.kind)
    material = MATERIAL[change_type]
    if measure.kind == "level":
        material = np.maximum(material, MATERIAL_SDS * np.nanstd(earlier, axis=1))
    elif measure.direction < 0:  # a rate falling: to at most half of what it was
        material = np.maximum(material, (1 - FALLEN) * before)
    is_alert = (found.alarm >= 0) & (measure.direction * (after - before) >= material)
    rows = np.arange(len(values))
    started = to_date(np.where(is_alert, dates[rows, np.minimum(onset, values.shape[1] - 1)], np.nan))
    frame = pd.DataFrame(
        {
            "is_alert": is_alert,
            "started_on": started.to_numpy(),
            "size": np.where(is_alert, after - before, np.nan),
            "before_value": before,
            "after_value": np.where(is_alert, after, np.nan),
            "events_after": np.where(is_alert, after_mask.sum(axis=1), np.nan),
        },
        index=X.index,
    )
    frame["evidence"] = [_evidence(change_type, r) if r.is_alert else "no change detected" for r in frame.itertuples()]
    return frame


def _centre(values: np.ndarray, kind: str) -> np.ndarray:
    """Median days late for levels (robust to one forgotten invoice), share for rates."""
    with warnings.catch_warnings():  # a row with no event after the onset has no figure: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=1) if kind == "level" else np.nanmean(values, axis=1)


def _evidence(change_type: str, r) -> str:
    figures = UNITS[change_type].format(r.before_value, r.after_value)
    return (
        f"{figures} over the {int(r.events_after)} events since {pd.Timestamp(r.started_on).date()} "
        "against the customer's own history before it"
    )
