"""Self-cure: the probability that an overdue invoice is paid within 14 days past due without a
reminder, from the customer's point-in-time history.

An ml.spec.ModelSpec, like ml.payment_delay. The label is only identified on invoices that got
no reminder in those 14 days: the legacy policy held a random share of customers out of
reminders for a quarter, so the model learns from them and nothing else (reminded invoices
would mix in the reminders' effect).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from ml import evaluation
from ml.estimators import ProbabilityModel
from ml.history import FillEmptyColumns, build_features
from ml.spec import INVOICE_SCORES, Output, TrainingSet, Window

MODEL_NAME = "self_cure"
EXPERIMENT = "relance-self-cure"
SEED = 42
WINDOW_DAYS = 14
REMINDER_EVIDENCE_DAYS = 5  # unpaid this long past due, a non-held-out customer gets a reminder
TEST_DAYS = 120
# 80 trees at a higher learning rate score as well as 150 slower ones and take half the time to
# predict the daily overdue book.
PARAMS = {
    "max_iter": 80,
    "learning_rate": 0.15,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
    "early_stopping": False,
}


def held_out_quarters(data: dict) -> pd.DataFrame:
    """(customer, due quarter) pairs the dunning policy left alone: the customer had invoices
    still unpaid well past due, not in dispute, yet got no reminder at all that quarter.

    Selecting rows on "got no reminder" alone would bias the label badly (quick payers are
    never reminded). This selection is still not independent of the outcome: a quarter is only
    recognised as held out when one of its invoices was paid more than REMINDER_EVIDENCE_DAYS
    late, so held-out quarters whose invoices all cured quickly are missed and the label rate is
    biased down. benchmarks/models.py measures the bias against the simulator's ground truth.
    """
    inv = data["invoices"].assign(quarter=lambda f: f.due_date.dt.to_period("Q"))
    disputed = set(data["disputes"].invoice_id)
    late = inv.settled_on.isna() | (inv.settled_on > inv.due_date + pd.Timedelta(days=REMINDER_EVIDENCE_DAYS))
    eligible = inv[late & ~inv.invoice_id.isin(disputed)][["customer_id", "quarter"]].drop_duplicates()
    reminded = data["contacts"].dropna(subset=["invoice_id"]).merge(inv[["invoice_id", "quarter"]], on="invoice_id")
    reminded = reminded[["customer_id", "quarter"]].drop_duplicates()
    merged = eligible.merge(reminded, on=["customer_id", "quarter"], how="left", indicator=True)
    return merged[merged._merge == "left_only"][["customer_id", "quarter"]]


def label(rows: pd.DataFrame) -> pd.Series:
    paid_by = rows.due_date + pd.Timedelta(days=WINDOW_DAYS)
    return (rows.settled_on.notna() & (rows.settled_on <= paid_by)).astype(int)


def baseline(X: pd.DataFrame, y_train: pd.Series) -> pd.DataFrame:
    """Named baseline: the customer's own historical self-cure rate (share of its earlier
    overdue invoices paid within 14 days past due), else the training rate."""
    return pd.DataFrame({"p_self_cure": X.hist_self_cure_share.fillna(float(y_train.mean())).to_numpy()})


@dataclass(frozen=True)
class SelfCure:
    """The self-cure model as an ml.spec.ModelSpec."""

    name: ClassVar[str] = MODEL_NAME
    experiment: ClassVar[str] = EXPERIMENT
    description: ClassVar[str] = (
        "Self-cure model: P(an overdue invoice is paid within 14 days without a reminder), learnt from the "
        "customers the dunning policy held out."
    )
    params: ClassVar[dict] = PARAMS | {"window_days": WINDOW_DAYS}
    # the label of an invoice observed the day after its due date is known 14 days later
    window: ClassVar[Window] = Window(TEST_DAYS, WINDOW_DAYS + 1)
    feature_set: ClassVar[str] = "invoice_history"
    output: ClassVar[Output] = INVOICE_SCORES
    score_columns: ClassVar[dict[str, str]] = {"p_self_cure": "p_self_cure"}
    trusted_types: ClassVar[tuple[type, ...]] = (ProbabilityModel, FillEmptyColumns)

    def observations(self, data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
        """Invoices of held-out customer-quarters still unpaid the day after their due date,
        observed then, whose 14-day window closed before ``known_until``."""
        inv = data["invoices"].assign(quarter=lambda f: f.due_date.dt.to_period("Q"))
        start = inv.due_date + pd.Timedelta(days=1)
        overdue = inv[
            (inv.settled_on.isna() | (inv.settled_on >= start))
            & (start + pd.Timedelta(days=WINDOW_DAYS) < known_until)
            & ~inv.credited_by_dispute
        ]
        held = pd.MultiIndex.from_frame(held_out_quarters(data))
        overdue = overdue[pd.MultiIndex.from_frame(overdue[["customer_id", "quarter"]]).isin(held)]
        rows = overdue.assign(as_of=overdue.due_date + pd.Timedelta(days=1)).drop(columns="quarter")
        return rows.assign(label=label(rows), label_known_at=rows.as_of + pd.Timedelta(days=WINDOW_DAYS))

    def features(self, data: dict, rows: pd.DataFrame) -> pd.DataFrame:
        return build_features(rows, data)

    def fit(self, train: TrainingSet) -> ProbabilityModel:
        classifier = HistGradientBoostingClassifier(random_state=SEED, **PARAMS)
        return ProbabilityModel(classifier, output="p_self_cure").fit(train.X, train.y)

    def evaluate(self, model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
        metrics = evaluation.classification_metrics(test.y, model.predict(test.X).p_self_cure)
        return metrics | evaluation.classification_metrics(
            test.y, baseline(test.X, train.y).p_self_cure, "baseline_customer_history_"
        )

    def diagnostics(self, model, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
        from ml import plots  # matplotlib: only where plots are drawn

        path = plots.calibration(
            test.y,
            model.predict(test.X).p_self_cure,
            folder / "calibration.png",
            "Self-cure within 14 days: calibration on the test window",
        )
        return [path], {}

    def scoring_rows(self, data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
        """Every open invoice already past due, observed after the as-of day."""
        inv = data["invoices"]
        rows = inv[(inv.open_amount > 0) & (inv.due_date <= as_of)].copy()
        rows["as_of"] = as_of + pd.Timedelta(days=1)
        return rows


SPEC = SelfCure()
