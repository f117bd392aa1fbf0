"""Behaviour-change alerts as an ml.spec.ModelSpec: one row per customer and change type, as of
an instant, whose features are the customer's own event series (ml.alerts.series).

The shape fits a detector with two liberties, both honest: ``fit`` learns no weights but
calibrates the CUSUM thresholds on the training window for the false-alarm budget per
customer-year in ``params`` (simulating each training customer's no-change series, then holding
the budget on the customers' real series at every training instant), and the label is not
ground truth but change evidence in hindsight (ml.alerts.labels), which is what the false-alarm
rate is measured on — against the vendor's 2× rule as the named baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from ml.alerts import detect, labels, series
from ml.alerts.model import AGE_COLUMNS, FEATURES, OUTPUTS, VALUE_COLUMNS, ChangeDetector
from ml.spec import Output, TrainingSet, Window

MODEL_NAME = "behaviour_change"
EXPERIMENT = "relance-behaviour-change"
PARAMS = {"false_alarms_per_year": 0.002, "draws": 50, "seed": 42}
# The thresholds are population figures (a false-alarm rate per customer-year): a seeded sample
# of this many customers states them as well as every customer does, while the training rows
# (customers × monthly instants × change types, 48 columns each) grow with the book; at 100,000
# customers the whole book took over 9 GB. Scoring still covers every customer.
TRAINING_CUSTOMERS = 10_000
SMALL_PART = 0.5  # below this share of the book, the sample's series are computed on its events alone
TEST_DAYS = 120
GRID = pd.Timedelta(days=30)  # observation instants: one a month per customer series
WARM_UP = pd.Timedelta(days=180)  # the first instant: half a year into the export


def _series(data: dict, change_type: str, at: pd.Timestamp, customers: pd.Index | None = None):
    frame = series.thin(series.events(data, change_type, at), at)
    if customers is None:
        counts = frame.groupby("customer_id").size()
        customers = pd.Index(counts.index[counts > detect.BASELINE_EVENTS])
    return customers, series.wide(frame, customers)


def _ages(grid: dict, at: pd.Timestamp) -> np.ndarray:
    return (at - series.EPOCH).days - grid["dated"]


def _instants(data: dict, last: pd.Timestamp) -> list[pd.Timestamp]:
    first = data["invoices"].issue_date.min().normalize() + WARM_UP
    return list(pd.date_range(first, last, freq=GRID)) if first <= last else []


def training_sample(customer_ids: pd.Series, size: int, seed: int) -> pd.Index:
    """Every customer when there are at most ``size``; otherwise ``size`` of them drawn with
    ``seed`` from the sorted ids, so a training run is reproducible on the same book."""
    ids = pd.Index(sorted(customer_ids.dropna().unique()))
    if len(ids) <= size:
        return ids
    return pd.Index(np.random.default_rng(seed).choice(ids.to_numpy(), size=size, replace=False))


def _only(data: dict, customers: pd.Index) -> dict:
    """``data`` cut to the rows of ``customers`` when they are a small part of the book (a
    training sample: each series is then computed on their events only); else ``data`` as it is
    (scoring every customer: no copy)."""
    if len(customers) > SMALL_PART * data["invoices"].customer_id.nunique():
        return data
    return {
        name: frame[frame.customer_id.isin(customers)] if "customer_id" in frame else frame
        for name, frame in data.items()
    }


@dataclass(frozen=True)
class BehaviourChange:
    """The behaviour-change detector as an ml.spec.ModelSpec."""

    name: ClassVar[str] = MODEL_NAME
    experiment: ClassVar[str] = EXPERIMENT
    description: ClassVar[str] = (
        "Behaviour-change alerts: CUSUM on each customer's own payment delays, payment pattern, disputes and "
        "e-mail engagement, thresholds calibrated for a target false-alarm rate."
    )
    params: ClassVar[dict] = PARAMS | {
        "baseline_events": detect.BASELINE_EVENTS,
        "guard": detect.GUARD,
        "monitored": detect.MONITORED,
        "allowance": detect.ALLOWANCE,
        "width": series.WIDTH,
        "training_customers": TRAINING_CUSTOMERS,
    }
    window: ClassVar[Window] = Window(TEST_DAYS, labels.LABEL_WAIT.days)
    feature_set: ClassVar[str] = "customer_series"
    output: ClassVar[Output] = Output("customer_alerts", ("customer_id", "change_type"))
    score_columns: ClassVar[dict[str, str]] = {c: c for c in OUTPUTS}
    trusted_types: ClassVar[tuple[type, ...]] = (ChangeDetector,)

    def observations(self, data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
        """Every monitorable series once a month, labelled by the hindsight evidence known
        LABEL_WAIT later (instants whose label is not known by ``known_until`` are left out)."""
        frames = []
        instants = _instants(data, known_until - labels.LABEL_WAIT)
        data = _only(data, training_sample(data["invoices"].customer_id, TRAINING_CUSTOMERS, PARAMS["seed"]))
        for at in instants:
            later = at + labels.LABEL_WAIT
            for change_type in series.CHANGE_TYPES:
                customers, _ = _series(data, change_type, at)
                _, seen_later = _series(data, change_type, later, customers)
                label = labels.hindsight(seen_later["value"], _ages(seen_later, later), change_type)
                frames.append(
                    pd.DataFrame(
                        {
                            "customer_id": customers,
                            "change_type": change_type,
                            "as_of": at,
                            "label": label,
                            "label_known_at": later,
                        }
                    )
                )
        columns = ["customer_id", "change_type", "as_of", "label", "label_known_at"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def features(self, data: dict, rows: pd.DataFrame) -> pd.DataFrame:
        data = _only(data, pd.Index(rows.customer_id.unique()))
        parts = []
        for (at, change_type), group in rows.groupby(["as_of", "change_type"], sort=False):
            _, grid = _series(data, change_type, at, pd.Index(group.customer_id))
            part = pd.DataFrame(
                np.hstack([grid["value"], _ages(grid, at)]), columns=VALUE_COLUMNS + AGE_COLUMNS, index=group.index
            )
            part.insert(0, "observed_day", float((at - series.EPOCH).days))
            part.insert(0, "change_code", series.CHANGE_TYPES.index(change_type))
            parts.append(part)
        if not parts:
            return pd.DataFrame(columns=FEATURES, dtype=float)
        return pd.concat(parts).loc[rows.index, FEATURES]

    def fit(self, train: TrainingSet) -> ChangeDetector:
        """Calibrated on every training instant: the simulated nulls on each customer's latest
        series, the false-alarm budget on the customers' real series at every instant."""
        return ChangeDetector(**PARAMS).fit(train.X, groups=train.rows.customer_id.to_numpy())

    def evaluate(self, model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
        alerted = model.predict(test.X).is_alert.to_numpy()
        rule = np.zeros(len(test), dtype=int)
        for code, change_type in enumerate(series.CHANGE_TYPES):
            mine = test.X.change_code.to_numpy() == code
            rule[mine] = labels.ratio_rule(
                test.X.loc[mine, VALUE_COLUMNS].to_numpy(float),
                test.X.loc[mine, AGE_COLUMNS].to_numpy(float),
                change_type,
            )
        y = test.y.to_numpy()
        return labels.rates(alerted, y) | labels.rates(rule, y, "baseline_ratio_rule_")

    def diagnostics(self, model, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
        """The calibrated thresholds, and the false-alarm rate per change type."""
        figures = {f"threshold_{t}_bin{b}": h for t, hs in model.thresholds_.items() for b, h in enumerate(hs)}
        alerted = model.predict(test.X).is_alert.to_numpy()
        for code, change_type in enumerate(series.CHANGE_TYPES):
            mine = test.X.change_code.to_numpy() == code
            rates = labels.rates(alerted[mine], test.y.to_numpy()[mine], f"{change_type}_")
            figures |= {k: v for k, v in rates.items() if np.isfinite(v)}
        return [], figures

    def scoring_rows(self, data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
        """Every customer series long enough to monitor, observed after the as-of day."""
        at = as_of + pd.Timedelta(days=1)
        frames = [
            pd.DataFrame({"customer_id": _series(data, t, at)[0], "change_type": t, "as_of": at})
            for t in series.CHANGE_TYPES
        ]
        return pd.concat(frames, ignore_index=True)


SPEC = BehaviourChange()
