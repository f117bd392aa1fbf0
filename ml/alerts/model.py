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
    """CUSUM per change type. ``fit`` sets each type's thresholds in two steps, nothing tuned by
    hand to a data set: their shape across noise bins from each training customer's simulated
    no-change series (detect.calibrate), then their level from the customers' real series, looked
    at on every training instant — real series are not independent draws (an unread reminder
    brings the next, a slow quarter is slow throughout), and each customer is looked at again and
    again — so that at most ``false_alarms_per_year`` of the customers would have had an alert
    per customer-year of looks."""

    def __init__(self, false_alarms_per_year: float = 0.005, draws: int = 50, seed: int = 42):
        self.false_alarms_per_year = false_alarms_per_year
        self.draws = draws
        self.seed = seed

    def fit(self, X: pd.DataFrame, y=None, groups=None):
        """``groups`` (customer ids) per row, when the rows span several instants: the level step
        then runs on every customer's series at every instant. ``y`` is not used: leaving out the
        customers with evidence in hindsight would leave out the restless ones, whose false alarms
        the budget is about; the few real changes of a training window only raise the thresholds."""
        self.thresholds_ = {}
        self.inflation_ = {}
        for code, change_type in enumerate(CHANGE_TYPES):
            mine = X.change_code.to_numpy() == code
            latest = _latest(X[mine], None if groups is None else np.asarray(groups)[mine])
            values = latest[VALUE_COLUMNS].to_numpy(dtype=float)
            rate = self.false_alarms_per_year if groups is None else SHAPE_RATE
            shape = detect.calibrate(values, MEASURES[change_type], rate, self.draws, self.seed + code)
            factor = 1.0 if groups is None else self._level(X[mine], np.asarray(groups)[mine], change_type, shape)
            self.inflation_[change_type] = factor
            self.thresholds_[change_type] = (shape * factor).tolist()
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        return self

    def _level(self, X: pd.DataFrame, groups: np.ndarray, change_type: str, shape: np.ndarray) -> float:
        """The factor on ``shape`` at which the share of customers alerted at any instant meets
        the budget for the years the instants span."""
        if not len(X):
            return 1.0
        days = X.observed_day.to_numpy()
        years = (days.max() - days.min() + LOOK_EVERY) / 365.0
        alerted = np.array(
            [pd.Series(_detect(X, change_type, shape * f)[0]).groupby(groups).any().mean() for f in INFLATIONS]
        )
        return _extrapolate(alerted, self.false_alarms_per_year * years, len(np.unique(groups)))

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


# The null's quantile that gives the thresholds their shape across bins when the level step sets
# their level: a share that tens of simulated series reach in every bin, so the shape is stable
# (the budget's own quantile would rest on a handful of series per bin). Without real series to
# hold the budget on, the null's quantile at the budget itself is the threshold.
SHAPE_RATE = 0.05
LOOK_EVERY = 30.0  # days between the training instants (ml.alerts.spec.GRID)
INFLATIONS = np.round(np.arange(0.5, 8.01, 0.1), 2)  # the factors tried, smallest first
MIN_ALERTED = 3  # customers: fewer alerted at a factor is too few to read a share from


def _extrapolate(alerted: np.ndarray, budget: float, customers: int) -> float:
    """The factor at which the share of customers alerted falls to ``budget``. A budget of a few
    in a thousand is one or two customers of a training set: read off directly, it would be
    noise. The tail of a CUSUM's peak is exponential, so log(share alerted) is fitted as a line in
    the factor where at least MIN_ALERTED customers alert, and the line is read at the budget."""
    enough = alerted * customers >= MIN_ALERTED
    if enough.sum() < 2:
        below = np.flatnonzero(alerted <= budget)
        return float(INFLATIONS[below[0]] if len(below) else INFLATIONS[-1])
    slope, intercept = np.polyfit(INFLATIONS[enough], np.log(alerted[enough]), 1)
    if slope >= 0:
        return float(INFLATIONS[-1])
    return float(np.clip((np.log(budget) - intercept) / slope, INFLATIONS[0], INFLATIONS[-1]))


def _latest(X: pd.DataFrame, groups: np.ndarray | None) -> pd.DataFrame:
    """Each customer's series at its latest instant (one simulated null per customer)."""
    if groups is None:
        return X
    latest = X.observed_day.groupby(groups).transform("max").to_numpy() == X.observed_day.to_numpy()
    return X[latest]


def _detect(X: pd.DataFrame, change_type: str, thresholds) -> tuple[np.ndarray, ...]:
    """Per series: alert or not, the index of the change's first event (the width when none),
    the figures before and after it, and which events came after it."""
    measure = MEASURES[change_type]
    values = X[VALUE_COLUMNS].to_numpy(dtype=float)
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
    return is_alert, onset, before, after, after_mask


def alerts(X: pd.DataFrame, change_type: str, thresholds: list[float]) -> pd.DataFrame:
    """The alert of every series of one change type: when the change started (the date of its
    first changed event), its size (after − before, in the measure's unit) and the figures."""
    is_alert, onset, before, after, after_mask = _detect(X, change_type, thresholds)
    dates = X.observed_day.to_numpy(dtype=float)[:, None] - X[AGE_COLUMNS].to_numpy(dtype=float)
    rows = np.arange(len(X))
    started = to_date(np.where(is_alert, dates[rows, np.minimum(onset, dates.shape[1] - 1)], np.nan))
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
